"""The one place that decides how numba compiles this toolkit's kernels.

Kernels are private: public functions validate and convert, then call them with
contiguous float64/int64 arrays and scalars only.  ``fastmath`` stays off so batch
and streaming results are bit-identical and match the reference implementations.

numba compiles a kernel the first time it is called and caches the machine code
(``cache=True``: next to the module in ``__pycache__``, or in ``NUMBA_CACHE_DIR``),
so only the first analysis on a machine pays for compilation;
:func:`uncompiled_kernels` tells whether that is still to come.
"""
from __future__ import annotations

import numba

FASTMATH = False
CACHE = True

_KERNELS: list = []     # every kernel's dispatcher, in the order the modules define them


def kernel(func):
    """Compile ``func`` as a cached, single-threaded nopython kernel."""
    disp = numba.njit(cache=CACHE, fastmath=FASTMATH, nogil=True)(func)
    _KERNELS.append(disp)
    return disp


def inline_kernel(func):
    """A small helper kernel that numba inlines into its callers at the IR level
    (LLVM alone does not inline across these calls; measured 40% faster strapdown)."""
    return numba.njit(cache=CACHE, fastmath=FASTMATH, nogil=True, inline="always")(func)


def _cached_here(disp) -> bool:
    """Whether the cache holds machine code of ``disp`` for this machine's CPU and for
    its source as it is now (numba drops an index whose source file changed)."""
    index = disp._cache._cache_file._load_index()
    magic = disp.targetctx.codegen().magic_tuple()
    return any(key[1] == magic for key in index)


def uncompiled_kernels(names: tuple[str, ...]) -> list[str] | None:
    """Which of the kernels called ``names`` (module.function, e.g.
    ``_ins_kernel.ins_step``) have no cached machine code yet, so the next call compiles
    them; None when the cache cannot be inspected (another numba version)."""
    by_name = {f"{d.py_func.__module__.rsplit('.', 1)[-1]}.{d.py_func.__name__}": d for d in _KERNELS}
    try:
        return [n for n in names if not _cached_here(by_name[n])]
    except (AttributeError, KeyError, TypeError, IndexError):
        return None
