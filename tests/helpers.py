"""Arithmetic for expected values, written independently of the package."""


def conv_params(kernel, in_channels, filters, bias=True):
    """Weights of a ``kernel x kernel`` convolution, plus biases."""
    return kernel * kernel * in_channels * filters + (filters if bias else 0)


def dense_params(inputs, units, bias=True):
    """Weights of a fully connected layer, plus biases."""
    return inputs * units + (units if bias else 0)


def batchnorm_params(channels):
    """gamma, beta, moving mean and moving variance."""
    return 4 * channels


def conv_out(size, kernel, stride=1, padding="valid"):
    """Output side of a convolution or pooling window."""
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1
