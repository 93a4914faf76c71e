"""The bridge from basis files to layers: ``layerdata`` (what a linear layer needs of a
basis, framework-free) and ``kerneldata`` (steerable convolution kernels), which
``intertwine.torch`` and ``intertwine.jax`` build on."""
