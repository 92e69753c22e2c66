"""The dialogue layer: Rasa understands the message and its policies choose the action.

Rasa runs in-process. For each message we
1. parse it with the trained NLU pipeline (intent = topic, with a ranking);
2. let the safety check overrule an unsure classifier for sensitive/urgent topics;
3. add the user turn to this conversation's tracker and ask the policy ensemble
   (RulePolicy, rules in dialogues/rules.yml) which action comes next;
4. record the action and its slot changes, so "a second miss in a row" is
   something the dialogue layer knows, not a counter in our code.

Rasa's graph runs synchronously and takes milliseconds; callers in the event loop
run it in a worker thread (see Assistant.respond_async).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.training import quiet_rasa

ACTION_LISTEN = "action_listen"


@dataclass
class Understanding:
    intent: str  # a topic id, or nlu_fallback
    confidence: float
    ranking: list[tuple[str, float]]  # topic ids, best first
    action: str


class DialogueEngine:
    def __init__(self, model_path: Path | str, max_conversations: int = 10000) -> None:
        quiet_rasa()
        from rasa.core.agent import Agent

        self.agent = Agent.load(str(model_path))
        self.processor = self.agent.processor
        self.domain = self.agent.domain
        self._trackers: OrderedDict[str, Any] = OrderedDict()
        self._max = max_conversations
        self._lock = threading.Lock()

    def _tracker(self, sender: str | None) -> Any:
        from rasa.shared.core.events import ActionExecuted
        from rasa.shared.core.trackers import DialogueStateTracker

        if sender is not None and sender in self._trackers:
            self._trackers.move_to_end(sender)
            return self._trackers[sender]
        tracker = DialogueStateTracker(sender or "anonymous", self.domain.slots)
        tracker.update(ActionExecuted(ACTION_LISTEN))
        if sender is not None:
            self._trackers[sender] = tracker
            while len(self._trackers) > self._max:
                self._trackers.popitem(last=False)
        return tracker

    def parse(self, text: str) -> dict[str, Any]:
        from rasa.core.channels.channel import UserMessage

        with self._lock:
            return self.processor._parse_message_with_graph(UserMessage(text), self._tracker(None))

    def reset(self, sender: str) -> None:
        self._trackers.pop(sender, None)

    def decide(self, parse_data: dict[str, Any], intent: str, confidence: float, sender: str | None) -> str:
        """Add the user turn (with the final intent) and return the action the policies choose."""
        from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

        with self._lock:
            tracker = self._tracker(sender)
            tracker.update(UserUttered(parse_data.get("text", ""), {"name": intent, "confidence": confidence},
                                       [], parse_data), self.domain)
            prediction = self.processor._predict_next_with_tracker(tracker)
            action = self.domain.action_names_or_texts[prediction.max_confidence_index]
            tracker.update(ActionExecuted(action))
            tracker.update(SlotSet("missed", action == "action_rephrase"))
            tracker.update(ActionExecuted(ACTION_LISTEN))
            return action

    def clear_miss(self, sender: str) -> None:
        """A tapped 'did you mean' choice ends the run of misses."""
        from rasa.shared.core.events import SlotSet

        with self._lock:
            self._tracker(sender).update(SlotSet("missed", False))
