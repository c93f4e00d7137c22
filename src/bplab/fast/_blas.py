"""gemm from SciPy's BLAS, callable inside Numba kernels on blocks of row-major arrays.

np.dot, in NumPy or in Numba, writes a whole product into a whole array. The parallel batch
kernel needs more of BLAS's gemm, C <- alpha op(A) op(B) + beta C: beta = 1 adds a weight
gradient into W with no gradient buffer, and a leading dimension lets an operand be a block
of a bigger array (some rows of a batch, some neurons of a layer). SciPy exports its BLAS for
compiled callers in scipy.linalg.cython_blas. A Numba kernel calls it through a function
pointer that it receives as an argument, so that Numba can still cache the kernel on disk.
"""

import ctypes

import numpy as np
from numba import njit
from numba.extending import get_cython_function_address

# Fortran BLAS takes every argument by address: two flags, three sizes, alpha, A, lda, B,
# ldb, beta, C, ldc.
_GEMM_TYPE = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 13)
_GEMMS = {
    np.dtype("float64"): _GEMM_TYPE(get_cython_function_address("scipy.linalg.cython_blas", "dgemm")),
    np.dtype("float32"): _GEMM_TYPE(get_cython_function_address("scipy.linalg.cython_blas", "sgemm")),
}
_NO_TRANSPOSE, _TRANSPOSE = ord("N"), ord("T")


def gemm_function(dtype):
    """Return the gemm function pointer for float64 or float32 arrays, for ``gemm``'s ``fn``."""
    return _GEMMS[np.dtype(dtype)]


@njit(cache=True)
def gemm(fn, trans_a, trans_b, M, N, K, alpha, A, a0, lda, B, b0, ldb, beta, C, c0, ldc):
    """C[M x N] <- alpha op(A) op(B) + beta C, on row-major blocks of C-contiguous arrays.

    Each operand is given by its array, the flat index of its first element (a0, b0, c0) and
    its row stride (lda, ldb, ldc). op(X) is X, or X transposed when ``trans_x`` is True, so
    op(A) is M x K and op(B) is K x N. With beta = 0, C's old values are never read.
    """
    # A row-major array is its column-major transpose, so C^T = op(B)^T op(A)^T is the
    # column-major product BLAS computes, with the operands swapped and the flags kept.
    sizes = np.empty(6, np.int32)
    sizes[0], sizes[1], sizes[2] = N, M, K
    sizes[3], sizes[4], sizes[5] = ldb, lda, ldc
    flags = np.empty(2, np.uint8)
    flags[0] = _TRANSPOSE if trans_b else _NO_TRANSPOSE
    flags[1] = _TRANSPOSE if trans_a else _NO_TRANSPOSE
    scalars = np.empty(2, C.dtype)
    scalars[0], scalars[1] = alpha, beta
    size = sizes.itemsize
    s = sizes.ctypes.data
    fn(flags.ctypes.data, flags.ctypes.data + 1, s, s + size, s + 2 * size,
       scalars.ctypes.data, B.ctypes.data + b0 * B.itemsize, s + 3 * size,
       A.ctypes.data + a0 * A.itemsize, s + 4 * size,
       scalars.ctypes.data + scalars.itemsize, C.ctypes.data + c0 * C.itemsize, s + 5 * size)
    # Read the argument arrays after the call: Numba frees an array after its last use, and
    # the call uses them only through raw addresses.
    return sizes[0] + flags[0] + scalars[0]
