#!/usr/bin/env python3
"""Writes the expected chat-template renderings that ChatTemplateReferenceTest compares against.

The reference is Hugging Face transformers itself: `AutoTokenizer.apply_chat_template` for the families in
../shared/golden/families (their own tokenizer_config.json), and transformers' `render_jinja_template` (what
apply_chat_template calls, with the same Jinja environment) for the templates written down under
models/src/test/resources/chat/ (see SOURCES.md there), given the model's BOS/EOS strings as apply_chat_template
passes them. Every conversation is rendered with and without add_generation_prompt; a template that raises is
recorded with its message.

Run from the repository root, in a venv with transformers and jinja2 (the machine's local wheel index has both):
    python3 -m venv /work/venv-chat && /work/venv-chat/bin/pip install transformers jinja2
    /work/venv-chat/bin/python scripts/chat-references.py
Output: models/src/test/resources/chat/expected.json (small; committed).
"""
import json
import os
import sys

from transformers import AutoTokenizer
from transformers.utils.chat_template_utils import render_jinja_template

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "..", "shared", "golden", "families")
CHAT = os.path.join(ROOT, "models", "src", "test", "resources", "chat")

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "default": 1.5e-05},
            },
            "required": ["city"],
        },
    },
}

TOOL_CALL = {"id": "call00001", "type": "function",
             "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}

CONVERSATIONS = {
    "user": [{"role": "user", "content": "Hello!"}],
    "system-user": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "What is 2+2?"}],
    "chat": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4."},
        {"role": "user", "content": "And 3+3?"},
        {"role": "assistant", "content": "6."},
    ],
    "no-system-multi": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "Why did the scarecrow win an award? He was outstanding in his field."},
    ],
    "whitespace": [
        {"role": "user", "content": "  padded question \n\n"},
        {"role": "assistant", "content": "\n answer\twith  spaces  \n"},
    ],
    "unicode": [
        {"role": "user", "content": "Ünïcödé — 你好 🌍 \"quotes\" 'single' \\backslash\\ {{ braces }} {% tags %} \u00a0nbsp"},
        {"role": "assistant", "content": "Réponse : ✓ 👍🏽"},
    ],
    "empty-system": [{"role": "system", "content": ""}, {"role": "user", "content": "x"}],
    "think": [
        {"role": "user", "content": "Solve x+1=2."},
        {"role": "assistant", "content": "<think>\nx = 2 - 1.\n</think>\n\nx = 1"},
    ],
    "think-multi": [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "<think>r1</think>a1"},
        {"role": "user", "content": "Q2"},
        {"role": "assistant", "content": "<think>\nr2\n</think>\n\na2"},
    ],
    "reasoning-field": [
        {"role": "user", "content": "Why?"},
        {"role": "assistant", "content": "Because.", "reasoning_content": "\nLet me think.\n"},
    ],
    "tool-call": [
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]},
        {"role": "tool", "content": "22 C and sunny", "tool_call_id": "call00001", "name": "get_weather"},
        {"role": "assistant", "content": "It is 22 C and sunny in Paris."},
    ],
    "alternation-error": [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}],
}

# (name, where the template comes from, bos, eos, extra kwargs); "hf:" = a golden HF folder via AutoTokenizer.
TEMPLATES = [
    ("llama3", "hf:llama3", None, None, {}),
    ("qwen3", "hf:qwen3", None, None, {}),
    ("llama3.1", "llama3.1.jinja", "<|begin_of_text|>", "<|eot_id|>", {"date_string": "26 Jul 2024"}),
    ("llama3.2", "llama3.2.jinja", "<|begin_of_text|>", "<|eot_id|>", {"date_string": "02 Dec 2026"}),
    ("qwen2.5", "qwen2.5.jinja", None, "<|im_end|>", {}),
    ("mistral-v0.1", "mistral-v0.1.jinja", "<s>", "</s>", {}),
    ("mistral-v0.3", "mistral-v0.3.jinja", "<s>", "</s>", {}),
    ("smollm2", "smollm2.jinja", None, "<|im_end|>", {}),
]

# Extra renderings: (template, conversation, kwargs beyond the template's own).
VARIANTS = [
    ("qwen3", "user", {"enable_thinking": False}),
    ("qwen3", "chat", {"enable_thinking": False}),
    ("llama3.1", "user", {"tools": [WEATHER_TOOL]}),
    ("llama3.1", "user", {"tools": [WEATHER_TOOL], "tools_in_user_message": False}),
    ("llama3.1", "user", {"builtin_tools": ["brave_search", "code_interpreter"]}),
    ("llama3.2", "system-user", {"tools": [WEATHER_TOOL]}),
    ("qwen2.5", "user", {"tools": [WEATHER_TOOL]}),
    ("qwen2.5", "system-user", {"tools": [WEATHER_TOOL]}),
    ("qwen3", "system-user", {"tools": [WEATHER_TOOL]}),
    ("mistral-v0.3", "system-user", {"tools": [WEATHER_TOOL]}),
]


def render(name, source, bos, eos, messages, add_generation_prompt, kwargs):
    kwargs = dict(kwargs)
    tools = kwargs.pop("tools", None)
    if source.startswith("hf:"):
        tok = AutoTokenizer.from_pretrained(os.path.join(GOLDEN, source[3:], "hf"))
        return tok.apply_chat_template(messages, tools=tools, tokenize=False,
                                       add_generation_prompt=add_generation_prompt, **kwargs)
    with open(os.path.join(CHAT, source), encoding="utf-8") as f:
        template = f.read()
    special = {}
    if bos is not None:
        special["bos_token"] = bos
    if eos is not None:
        special["eos_token"] = eos
    rendered, _ = render_jinja_template(conversations=[messages], tools=tools, chat_template=template,
                                        add_generation_prompt=add_generation_prompt, **special, **kwargs)
    return rendered[0]


def main():
    cases = []
    jobs = [(t, c, {}) for t in TEMPLATES for c in CONVERSATIONS] + \
           [(next(t for t in TEMPLATES if t[0] == n), c, kw) for n, c, kw in VARIANTS]
    for (name, source, bos, eos, base), conversation, extra in jobs:
        kwargs = {**base, **extra}
        for gen in (False, True):
            case = {"template": name, "conversation": conversation, "add_generation_prompt": gen, "kwargs": kwargs}
            try:
                case["output"] = render(name, source, bos, eos, CONVERSATIONS[conversation], gen, kwargs)
            except Exception as e:  # the template's raise_exception, or a Jinja error
                case["error"] = str(e)
            cases.append(case)
    templates = {n: {"source": s, "bos_token": b, "eos_token": e} for n, s, b, e, _ in TEMPLATES}
    out = {"made_with": "transformers apply_chat_template / render_jinja_template (scripts/chat-references.py)",
           "templates": templates, "conversations": CONVERSATIONS, "cases": cases}
    path = os.path.join(CHAT, "expected.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum("error" in c for c in cases)
    print(f"{path}: {len(cases)} renderings, {errors} of them errors", file=sys.stderr)


if __name__ == "__main__":
    main()
