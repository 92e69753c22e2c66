"""Rasa's LogisticRegressionClassifier, with a prediction path that is fast on big vocabularies.

sklearn's `predict_proba` multiplies the sparse message vector by `coef_.T`, a
Fortran-ordered view, and scipy copies that whole (features x topics) matrix to C
order on every call: ~15 ms a message with our character n-grams. We keep one
C-ordered copy and compute the same multinomial softmax ourselves. Training,
persistence and loading are the parent's.
"""
from __future__ import annotations

from typing import List

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import RANKING_LENGTH


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FastLogisticRegressionClassifier(LogisticRegressionClassifier):
    _coef_t: np.ndarray | None = None

    def _probabilities(self, messages: List[Message]) -> np.ndarray:
        if self._coef_t is None or self._coef_t.shape[0] != self.clf.coef_.shape[1]:
            self._coef_t = np.ascontiguousarray(self.clf.coef_.T)
        scores = self._create_X(messages).tocsr() @ self._coef_t + self.clf.intercept_
        if scores.shape[1] == 1:  # two classes: sklearn's binary case
            p = 1.0 / (1.0 + np.exp(-scores))
            return np.hstack([1 - p, p])
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        return scores / scores.sum(axis=1, keepdims=True)

    def process(self, messages: List[Message]) -> List[Message]:
        if not messages:
            return messages
        probas = self._probabilities(messages)
        intents = self.clf.classes_
        for idx, message in enumerate(messages):
            ranking = sorted(({"name": k, "confidence": float(v)} for k, v in zip(intents, probas[idx])),
                             key=lambda e: -e["confidence"])
            message.set("intent", ranking[0], add_to_output=True)
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages
