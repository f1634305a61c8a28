"""A toy training framework for the template's tests (stands in for the real library)."""

__version__ = "1.0"


class Model:
    def __init__(self, lr=0.1):
        self.lr = lr

    def get_params(self):
        return {"lr": self.lr}

    def fit(self, X, y, epochs=1, callbacks=None):
        self.w_ = 0.0
        for epoch in range(epochs):
            grad = sum((self.w_ * x - t) * x for x, t in zip(X, y, strict=True)) / len(X)
            self.w_ -= self.lr * grad
            self.loss_ = sum((self.w_ * x - t) ** 2 for x, t in zip(X, y, strict=True)) / len(X)
            for callback in callbacks or []:
                callback(epoch, self.loss_)
        return self

    def predict(self, X):
        return [self.w_ * x for x in X]
