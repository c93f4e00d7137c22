"""Input preprocessing that is fitted on the training split and saved with the model.

The transformation is x' = (x * scale - mean) / std, where each step is optional: ``scale`` maps
pixel values 0..255 to 0..1, and standardisation subtracts the per-feature mean and divides by the
per-feature standard deviation of the scaled training data. Features with zero variance keep
std = 1, so they come out as 0 instead of NaN.

``transform`` makes the only float copy of the data and does the rest in place, so a 60,000-image
uint8 set never exists twice as floats. Statistics are computed in blocks of rows for the same
reason. Nothing here reshapes, augments or shuffles data.
"""

import numpy as np

PIXEL_SCALE = 1 / 255
_BLOCK_ROWS = 4096


class Preprocessing:
    """Scaling and optional standardisation of input features.

    Parameters
    ----------
    scale : float or None, default 1/255
        Factor applied first; None leaves values as they are.
    standardize : bool, default False
        Subtract the training mean and divide by the training standard deviation per feature
        (after scaling). Requires :meth:`fit`.

    Attributes
    ----------
    mean, std : ndarray of shape (n,) or None
        Per-feature statistics of the scaled training data, set by :meth:`fit` when
        ``standardize`` is True. ``std`` has 1 where the training data is constant.
    n_features : int or None
        Number of features seen by :meth:`fit`.
    """

    def __init__(self, scale=PIXEL_SCALE, standardize=False):
        if scale is not None:
            scale = float(scale)
            if not np.isfinite(scale) or scale <= 0:
                raise ValueError(f"invalid scale {scale!r}; expected a positive number or None")
        self.scale = scale
        self.standardize = bool(standardize)
        self.mean = None
        self.std = None
        self.n_features = None

    @classmethod
    def default_for(cls, X, standardize=False):
        """Return the usual (unfitted) preprocessing for ``X``.

        uint8 data are 8-bit pixels and get ``scale=1/255``; any other type gets no scaling.
        """
        scale = PIXEL_SCALE if np.asarray(X).dtype == np.uint8 else None
        return cls(scale=scale, standardize=standardize)

    def __repr__(self):
        return f"Preprocessing(scale={self.scale!r}, standardize={self.standardize!r})"

    @property
    def fitted(self):
        """True once the statistics the transformation needs are known."""
        return not self.standardize or self.mean is not None

    def fit(self, X):
        """Compute the statistics from the training samples ``X`` of shape (m, n).

        Returns
        -------
        Preprocessing
            ``self``.
        """
        X = _check_2d(X, "X")
        self.n_features = X.shape[1]
        if not self.standardize:
            return self
        if len(X) == 0:
            raise ValueError("cannot fit standardisation on 0 samples")

        factor = 1.0 if self.scale is None else self.scale
        total = np.zeros(X.shape[1])
        for block in _row_blocks(X):
            total += block.sum(axis=0, dtype=np.float64)
        mean = total / len(X)

        # Two passes (mean first, then squared deviations) are exact enough for any pixel data,
        # unlike the one-pass sum of squares.
        squares = np.zeros(X.shape[1])
        for block in _row_blocks(X):
            deviation = block.astype(np.float64) - mean
            squares += np.einsum("ij,ij->j", deviation, deviation)
        std = np.sqrt(squares / len(X))

        # A constant float column can show a rounding-level std; treat it as constant too.
        constant = std <= 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)
        std[constant] = 1.0 / factor
        self.mean = mean * factor
        self.std = std * factor
        return self

    def fit_transform(self, X, dtype="float64"):
        """Fit on ``X`` and return ``transform(X, dtype)``."""
        return self.fit(X).transform(X, dtype=dtype)

    def transform(self, X, dtype="float64"):
        """Return a new float array with the preprocessing applied.

        Parameters
        ----------
        X : array_like of shape (m, n) or (n,)
            Samples in rows, or one sample. Not modified.
        dtype : str or numpy dtype, default "float64"
            Floating type of the result.

        Returns
        -------
        ndarray of the same shape as ``X``
            The single float copy; every step after the conversion works in place.

        Raises
        ------
        ValueError
            If the number of features differs from the fitted one, or standardisation was
            requested but :meth:`fit` has not run.
        """
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"invalid dtype {dtype}; expected a floating type such as float64")
        X = np.asarray(X)
        if X.ndim not in (1, 2):
            raise ValueError(f"expected X of shape (m, n) or (n,), got shape {X.shape}")
        n = X.shape[-1]
        if self.n_features is not None and n != self.n_features:
            raise ValueError(
                f"X has {n} features but the preprocessing was fitted on {self.n_features}"
            )
        if not self.fitted:
            raise ValueError("standardize=True needs fit(X_train) before transform")

        if self.scale is None:
            result = np.array(X, dtype=dtype)
        else:
            result = np.multiply(X, self.scale, dtype=dtype)
        if self.standardize:
            result -= self.mean.astype(dtype, copy=False)
            result /= self.std.astype(dtype, copy=False)
        return result

    def to_dict(self):
        """Return the settings as a JSON-serialisable dict (the arrays come from to_arrays)."""
        return {
            "scale": self.scale,
            "standardize": self.standardize,
            "n_features": self.n_features,
        }

    def to_arrays(self):
        """Return the fitted statistics as a dict of float64 arrays, empty when not fitted."""
        if self.mean is None:
            return {}
        return {"mean": self.mean.copy(), "std": self.std.copy()}

    @classmethod
    def from_dict(cls, settings, arrays=None):
        """Rebuild a Preprocessing from ``to_dict()`` output and ``to_arrays()`` output.

        Parameters
        ----------
        settings : dict
            Keys "scale", "standardize" and optionally "n_features". The statistics may also
            be given here as lists under "mean" and "std".
        arrays : dict of ndarray, optional
            "mean" and "std" arrays, as returned by :meth:`to_arrays`.

        Raises
        ------
        ValueError
            If standardisation is on but the statistics are missing or of the wrong length.
        """
        preprocessing = cls(scale=settings.get("scale"), standardize=settings.get("standardize", False))
        preprocessing.n_features = settings.get("n_features")
        source = arrays if arrays else settings
        if "mean" in source and "std" in source:
            mean = np.asarray(source["mean"], dtype=np.float64).reshape(-1)
            std = np.asarray(source["std"], dtype=np.float64).reshape(-1)
            if mean.shape != std.shape:
                raise ValueError(
                    f"preprocessing mean has {mean.size} values but std has {std.size}"
                )
            if preprocessing.n_features is not None and mean.size != preprocessing.n_features:
                raise ValueError(
                    f"preprocessing statistics have {mean.size} values but n_features is "
                    f"{preprocessing.n_features}"
                )
            if not (np.all(np.isfinite(mean)) and np.all(std > 0)):
                raise ValueError("preprocessing statistics must be finite with std > 0")
            preprocessing.mean, preprocessing.std = mean, std
            preprocessing.n_features = mean.size
        if not preprocessing.fitted:
            raise ValueError("preprocessing has standardize=True but no 'mean' and 'std' arrays")
        return preprocessing


def _check_2d(X, name):
    """Return ``X`` as an array of shape (m, n), or raise naming its shape."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"expected {name} of shape (m, n) with samples in rows, got {X.shape}")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"expected numeric {name}, got type {X.dtype}")
    return X


def _row_blocks(X):
    """Yield consecutive blocks of rows, so float temporaries stay small."""
    for start in range(0, len(X), _BLOCK_ROWS):
        yield X[start:start + _BLOCK_ROWS]
