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


# Small templates for the evaluator's own test, rendered by the same Jinja environment transformers builds.
SNIPPETS = [
    (r"{{ 'a' ~ 1 ~ none ~ true }}", {}),
    (r"{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }}", {}),
    (r"{{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 1.0 }} {{ 1e16 }} {{ 123456789.0 }} {{ 0.0001 }}", {}),
    (r"{{ x }}|{{ x is defined }}|{{ y is defined }}|{{ y is undefined }}", {"x": None}),
    (r"{{ [1, 'a', none, true, 2.5] }} {{ {'k': [1, {'n': none}]} }} {{ ('t', 1) | list }}", {}),
    (r"""{{ 'it\'s' }} {{ "say \"hi\"" }} {{ 'a\nb' }} {{ 'tab\there' }} {{ '\u00e9\x41' }}""", {}),
    (r"{{ s[1:] }}|{{ s[:-1] }}|{{ s[::-1] }}|{{ s[1:4:2] }}|{{ l[-2:] }}|{{ l[::-1] }}|{{ l[5:] }}",
     {"s": "h\u00e9llo\U0001F30D", "l": [1, 2, 3, 4]}),
    (r"{{ s | trim }}|{{ s | length }}|{{ s | upper }}|{{ s | lower }}|{{ s.strip('x ') }}|{{ s.lstrip() }}|{{ s.rstrip() }}|",
     {"s": "  Xa B\u00a0\n"}),
    (r"{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a-b-c'.split('-', 1) }} {{ 'x'.startswith(('y', 'x')) }} {{ 'abc'.endswith('bc') }}", {}),
    (r"""{{ d | tojson }} {{ d | tojson(indent=2) }} {{ [] | tojson }} {{ {} | tojson(indent=4) }} {{ 'caf\u00e9 "q" \n' | tojson }}""",
     {"d": {"b": [1, 2.5, None, True], "a": {"x": "\u00e9\n\t"}}}),
    (r"{{ d | tojson(sort_keys=true) }} {{ d | tojson(separators=(',', ':')) }} {{ d | tojson(ensure_ascii=true) }}",
     {"d": {"z": 1, "a": "\u00e9\U0001F30D"}}),
    (r"{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }},{% endfor %}",
     {"l": ["a", "b", "c"]}),
    (r"{% for x in l if x != 'b' %}{{ loop.index }}{{ x }}{% else %}empty{% endfor %}|{% for x in [] %}{% else %}none{% endfor %}",
     {"l": ["a", "b", "c"]}),
    (r"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}{% for k, v in d | items %}{{ v }}{% endfor %}",
     {"d": {"b": 1, "a": 2}}),
    (r"{% for x in range(5) %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    (r"{% set count = 0 %}{% for i in range(3) %}{{ count }}{% set count = count + 1 %}{{ count }}{% endfor %}{{ count }}", {}),
    (r"{% set ns = namespace(n=0, found=false) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}{{ ns.found }}", {}),
    (r"{% for i in range(3) %}{% if i == 0 %}{% set x = 5 %}{% endif %}{{ x }},{% endfor %}", {}),
    ("a\n  {% if true %}\n  x\n  {% endif %}\n  b {{ 1 }}\n{# c #}\nd\n", {}),
    ("  {%- if true -%}  \n y  {%- endif %}\n\n{{- ' z ' -}}\n  w\n{%+ if true %}k{% endif %}\n\t{% if true %}t{% endif %}", {}),
    ("{% if true %}\r\nwin\r\n{% endif %}\r\n{#- c -#}  \n{{ 'x' }}\n\n", {}),
    (r"{% if a %}A{% elif b %}B{% else %}C{% endif %}{{ 'y' if a else 'n' }}{{ 'only' if b }}", {"a": False, "b": True}),
    (r"{{ a or 'default' }} {{ b and 'both' }} {{ not a }} {{ 1 < 2 < 3 }} {{ 'b' in 'abc' }} {{ 2 not in [1, 3] }} {{ 'k' in {'k': 1} }}",
     {"a": "", "b": "x"}),
    (r"{{ l | join(', ') }} {{ l | first }} {{ l | last }} {{ l | reverse | list }} {{ l | sort | list }} {{ l | unique | list }} {{ l | length }}",
     {"l": ["b", "a", "b"]}),
    (r"{{ l | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }} {{ l | rejectattr('role', 'eq', 'user') | list | length }}",
     {"l": [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "u2"}]}),
    (r"{{ l | select('odd') | list }} {{ l | reject('even') | list }} {{ l | map('string') | join('-') }} {{ l | sum }} {{ l | max }} {{ l | min }}",
     {"l": [1, 2, 3, 4]}),
    (r"{{ x | default('d') }} {{ none | default('d') }} {{ '' | default('d', true) }} {{ 3.7 | int }} {{ '12' | int + 1 }} {{ 2 | float }} {{ 'Ab cD' | title }} {{ 'ab' | capitalize }}", {}),
    (r"{{ x is string }}{{ x is mapping }}{{ x is iterable }}{{ x is sequence }}{{ 1 is number }}{{ 1 is integer }}{{ 1.0 is float }}{{ none is none }}{{ 3 is odd }}{{ 4 is divisibleby 2 }}{{ 'a' is lower }}",
     {"x": "s"}),
    (r"{{ m.role }} {{ m['content'] }} {{ m.missing is defined }} {{ m.get('role') }} {{ m.get('nope', 'fallback') }} {{ m.keys() | list }} {{ m.values() | list }}",
     {"m": {"role": "user", "content": "hi"}}),
    (r"{{ 'a' == 'a' }} {{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }} {{ none == none }} {{ x == none }}", {}),
    (r"{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bo') }} {{ greet('Al', '?') }} {{ greet(name='Cy') }}", {}),
    (r"{% set block %}inner {{ 1 + 1 }}{% endset %}[{{ block }}]", {}),
    (r"{{ 'x'.replace('x', 'y') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'a b c' | wordcount }} {{ 'ab'.upper() }} {{ 'x' | indent(2, true) }}", {}),
    (r"{{ 'a\nb' | indent(2) }}|{{ 'x' * 3 }}|{{ [1] + [2] }}|{{ (1, 2) | list }}|{{ range(2, 8, 3) | list }}|{{ 'ab' | list }}", {}),
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
    from transformers.utils.chat_template_utils import _compile_jinja_template
    snippets = []
    for source, context in SNIPPETS:
        snippets.append({"template": source, "context": context, "output": _compile_jinja_template(source).render(**context)})
    with open(os.path.join(CHAT, "snippets.json"), "w", encoding="utf-8") as f:
        json.dump(snippets, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum("error" in c for c in cases)
    print(f"{path}: {len(cases)} renderings, {errors} of them errors", file=sys.stderr)


if __name__ == "__main__":
    main()
