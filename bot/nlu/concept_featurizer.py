"""A Rasa component that adds cross-lingual concept features.

The calibration run for issue 3 showed that word and character n-grams cannot
know that "koorts", "fever", "ateş" and "حمى" mean the same thing. This
featurizer looks each message up in the curated multilingual lexicon
(`nlu_data/lexicon.yml`) and adds one shared feature per concept, so an example
about fever in Turkish teaches the classifier about fever in Arabic too.

The lexicon is read at training time and stored inside the model, so a trained
model never depends on the file again.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import PROJECT_ROOT
from bot.nlu.lexicon import TermMatcher, load_terms

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class ConceptFeaturizer(SparseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config(), "lexicon": "nlu_data/lexicon.yml", "weight": 1.0}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, terms: Optional[Dict[str, List[str]]] = None) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self.weight = float(config.get("weight", 1.0))
        self._set_terms(terms or {})

    def _set_terms(self, terms: Dict[str, List[str]]) -> None:
        self.terms = terms
        self.matcher = TermMatcher(terms)
        self.column = {label: i for i, label in enumerate(self.matcher.labels)}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ConceptFeaturizer":
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    def train(self, training_data: TrainingData) -> Resource:
        path = Path(self._config["lexicon"])
        path = path if path.is_absolute() else PROJECT_ROOT / path
        self._set_terms(load_terms(path, "concepts") if path.exists() else {})
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / "concepts.json").write_text(json.dumps(self.terms, ensure_ascii=False), encoding="utf-8")
        logger.info("concept lexicon: %d concepts", len(self.terms))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "ConceptFeaturizer":
        terms: Dict[str, List[str]] = {}
        try:
            with model_storage.read_from(resource) as model_dir:
                terms = json.loads((model_dir / "concepts.json").read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("ConceptFeaturizer: no stored lexicon in the model")
        return cls(config, model_storage, resource, execution_context, terms=terms)

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not text or not tokens or not self.column:
            return
        sentence = np.zeros((1, len(self.column)), dtype=np.float32)
        for label in self.matcher.match(text):
            sentence[0, self.column[label]] = self.weight
        sequence = scipy.sparse.coo_matrix((len(tokens), len(self.column)), dtype=np.float32)
        self.add_features_to_message(sequence, scipy.sparse.coo_matrix(sentence), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._featurize(message)
        return messages
