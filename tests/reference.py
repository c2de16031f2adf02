"""Independent NumPy implementations of what every bundled program computes.

Written from the mathematics with vector operations, not by translating the .gdasm programs: the tests
compare the register machine against these. Bad inputs raise ReferenceFault naming what went wrong, in the
same words the machine's faults use ("overflow", "logarithm of zero", ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


class ReferenceFault(Exception):
    """The computation has no finite answer; `kinds` holds the reasons (e.g. {"overflow"})."""

    def __init__(self, *kinds: str):
        self.kinds = set(kinds)
        super().__init__(", ".join(sorted(self.kinds)))


def _data(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ReferenceFault("out of range")  # the machine's shorter array runs out: an index fault
    if x.size == 0:
        raise ReferenceFault("division by zero")  # the mean of nothing
    return x, y


def _finite(*values):
    for v in values:
        if not np.all(np.isfinite(v)):
            raise ReferenceFault("overflow")


def absolute_loss(y_true: float, y_pred: float) -> float:
    """The seed's section 2: |y_true − y_pred|."""
    return float(np.abs(np.float64(y_true) - np.float64(y_pred)))


def seed_step(x, y, w: float = 0.0, lr: float = 0.01) -> dict:
    """The seed's section 6: its 'gradient' mean(x·(y − w·x)) — which is −½·dMSE/dw — and w + lr·that."""
    x, y = _data(x, y)
    grad_avg = np.mean(x * (y - w * x))
    return {"grad_total": float(np.sum(x * (y - w * x))), "grad_avg": float(grad_avg),
            "delta_w": float(grad_avg * lr), "w": float(w + grad_avg * lr)}


def mse(x, y, w: float) -> float:
    """Mean squared error of y = w·x."""
    x, y = _data(x, y)
    with np.errstate(over="raise", invalid="raise"):
        try:
            return float(np.mean((y - w * x) ** 2))
        except FloatingPointError:
            raise ReferenceFault("overflow") from None


def mse_loss_and_gradient(x, y, w: float, b: float | None = None) -> tuple[float, np.ndarray]:
    """MSE of y = w·x (+ b) and its gradient: [dMSE/dw] or [∂/∂w, ∂/∂b]."""
    x, y = _data(x, y)
    with np.errstate(over="raise", invalid="raise"):
        try:
            r = y - (w * x + (b if b is not None else 0.0))
            loss = np.mean(r ** 2)
            gw = -2.0 * np.mean(x * r)
            grad = np.array([gw]) if b is None else np.array([gw, -2.0 * np.mean(r)])
        except FloatingPointError:
            raise ReferenceFault("overflow") from None
    _finite(loss, grad)
    return float(loss), grad


def mse_gradient_step(x, y, w: float, lr: float) -> dict:
    """One true gradient step: loss and grad at w, then w − lr·grad."""
    loss, grad = mse_loss_and_gradient(x, y, w)
    new_w = w - lr * grad[0]
    _finite(new_w)
    return {"loss": loss, "grad": float(grad[0]), "w": float(new_w)}


def logistic_loss_and_gradient(x, y, w: float, b: float) -> tuple[float, np.ndarray]:
    """Binary cross-entropy of p = σ(w·x + b) and its gradient [mean((p − y)·x), mean(p − y)]."""
    x, y = _data(x, y)
    kinds = set()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        z = w * x + b
        if not np.all(np.isfinite(z)):
            raise ReferenceFault("overflow")
        e = np.exp(-z)
        if not np.all(np.isfinite(e)):
            kinds.add("overflow")
        p = 1.0 / (1.0 + e)
        q = 1.0 - p
        if np.any(p[np.isfinite(e)] == 0) or np.any(q[np.isfinite(e)] == 0):
            kinds.add("logarithm of zero")
        if kinds:
            raise ReferenceFault(*kinds)
        loss = -np.mean(y * np.log(p) + (1.0 - y) * np.log(q))
        grad = np.array([np.mean((p - y) * x), np.mean(p - y)])
    _finite(loss, grad)
    return float(loss), grad


@dataclass
class Descent:
    """The outcome of a gradient-descent loop."""

    params: np.ndarray
    loss: float
    grad: np.ndarray
    iterations: int
    losses: list = field(default_factory=list)


def _norm(grad: np.ndarray) -> float:
    """‖gradient‖: |grad| for one parameter, √(grad_w² + grad_b²) for two (squares that overflow fault)."""
    if grad.size == 1:
        return float(abs(grad[0]))
    with np.errstate(over="ignore"):
        squares = grad * grad
    _finite(squares, np.sum(squares))
    return float(np.sqrt(np.sum(squares)))


def descend(evaluate: Callable[[np.ndarray], tuple[float, np.ndarray]], params, lr: float, tol: float,
            max_iter: float) -> Descent:
    """The stopping rule every bundled loop follows:

        iterations = 0
        repeat:
            loss, gradient = at the current parameters      # OUT loss
            if ‖gradient‖ < tol or iterations ≥ max_iter:  stop
            parameters ← parameters − lr · gradient
            iterations ← iterations + 1
    """
    params = np.asarray(params, dtype=np.float64)
    iterations, losses = 0, []
    while True:
        loss, grad = evaluate(params)
        losses.append(loss)
        if _norm(grad) < tol or iterations >= max_iter:
            return Descent(params, loss, grad, iterations, losses)
        with np.errstate(over="ignore", invalid="ignore"):
            params = params - lr * grad
        _finite(params)
        iterations += 1


def gradient_descent(x, y, w: float = 0.0, lr: float = 0.01, tol: float = 1e-6, max_iter: float = 10000) -> Descent:
    """Gradient descent on the MSE of y = w·x."""
    return descend(lambda p: mse_loss_and_gradient(x, y, p[0]), [w], lr, tol, max_iter)


def linear_regression(x, y, w: float = 0.0, b: float = 0.0, lr: float = 0.05, tol: float = 1e-6,
                      max_iter: float = 10000) -> Descent:
    """Gradient descent on the MSE of y = w·x + b."""
    return descend(lambda p: mse_loss_and_gradient(x, y, p[0], p[1]), [w, b], lr, tol, max_iter)


def logistic_regression(x, y, w: float = 0.0, b: float = 0.0, lr: float = 0.5, tol: float = 1e-6,
                        max_iter: float = 10000) -> Descent:
    """Gradient descent on the cross-entropy of p = σ(w·x + b)."""
    return descend(lambda p: logistic_loss_and_gradient(x, y, p[0], p[1]), [w, b], lr, tol, max_iter)


def least_squares_line(x, y) -> tuple[float, float]:
    """The least-squares line (w, b) from the normal equations, solved exactly in fractions:
    w = (n·Σxy − Σx·Σy) / (n·Σx² − (Σx)²),  b = (Σy − w·Σx) / n."""
    from fractions import Fraction
    xs, ys = [Fraction(v) for v in x], [Fraction(v) for v in y]
    n = len(xs)
    sx, sy = sum(xs), sum(ys)
    sxx, sxy = sum(a * a for a in xs), sum(a * b for a, b in zip(xs, ys))
    w = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    return float(w), float((sy - w * sx) / n)
