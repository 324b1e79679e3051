"""Constructor signatures for the package's Keras layers on the API page.

Keras' ``Layer`` defines ``__new__(cls, *args, **kwargs)``, and autodoc
shows a class's ``__new__`` before its ``__init__``, so every layer of
``cnn_course.layers`` read ``LocalResponseNormalization(*args, **kwargs)``.
This shows the ``__init__`` arguments instead. Enabled in ``_config.yml``
(``local_extensions``).
"""

import inspect


def init_signature(app, what, name, obj, options, signature, return_annotation):
    """The class's ``__init__`` signature (its own or the one it inherits,
    e.g. ``FusedBatchNormalization``'s from Keras' ``BatchNormalization``)
    where autodoc found only ``(*args, **kwargs)``; ``None`` (autodoc's own)
    everywhere else."""
    if what != "class" or signature != "(*args, **kwargs)":
        return None
    init = inspect.signature(obj.__init__)
    own = list(init.parameters.values())[1:]  # without self
    found = str(init.replace(parameters=own, return_annotation=inspect.Signature.empty))
    return (found, None) if found != signature else None


def setup(app):
    app.connect("autodoc-process-signature", init_signature)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
