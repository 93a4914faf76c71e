"""Set-partition labels of S(n) bases, and applying them for any n (docs/format.rst).

A basis of Hom_{S(n)}(V**k, V**l) is indexed by set partitions of the k + l tensor
slots: element m is 1 at the positions whose index equalities are exactly those of its
partition (the orbit basis).  The partitions do not depend on n, so a file that stores
them (``partitions/labels``, ``partitions/summand``) describes the layer for every n.

* ``labels``: computing the labels of a spec, expanding them into pattern rows, and
  checking a stored basis against them (``intertwine verify``).
* ``plan``: a framework-free plan that applies every element as diagonal extractions,
  sums, channel mixing, broadcasts and diagonal placements, after the exact Moebius
  change of basis from the orbit to the diagram basis.
* ``reference``: the numpy implementation of that plan; ``intertwine.torch`` and
  ``intertwine.jax`` hold the others.
"""

from .labels import Layout, compute_partitions, expand_pattern, partition_checks

__all__ = ["Layout", "compute_partitions", "expand_pattern", "partition_checks"]
