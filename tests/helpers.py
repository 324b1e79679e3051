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


def cifar_resnet_params(widths, blocks, channels=1, classes=10, projections=False):
    """A CIFAR-style network of He et al. (2016), Section 4.2: a bias-free 3x3
    convolution with BatchNorm, then per stage ``blocks`` blocks of two such
    convolutions, and the fc layer. With ``projections`` (option B) a block
    that changes the width adds a 1x1 convolution and BatchNorm; option A's
    shortcuts have no weights."""
    total = conv_params(3, channels, widths[0], bias=False) + batchnorm_params(widths[0])
    previous = widths[0]
    for filters, count in zip(widths, blocks):
        for _ in range(count):
            total += 2 * batchnorm_params(filters) + conv_params(3, previous, filters, bias=False)
            total += conv_params(3, filters, filters, bias=False)
            if projections and previous != filters:
                total += conv_params(1, previous, filters, bias=False) + batchnorm_params(filters)
            previous = filters
    return total + dense_params(widths[-1], classes)


def conv_out(size, kernel, stride=1, padding="valid"):
    """Output side of a convolution or pooling window."""
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1
