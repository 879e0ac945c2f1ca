"""Streams two choices at once, demultiplexed by index, with stop sequences."""

from collections import defaultdict

from openai import OpenAI

client = OpenAI()

buffers: dict[int, str] = defaultdict(str)
finish: dict[int, str] = {}
for chunk in client.completions.create(
    model="gpt-3.5-turbo-instruct",
    prompt="Give me a tagline for a bakery named Crumbs",
    n=2,
    stop=[" named", "\n\n"],
    echo=False,
    stream=True,
):
    for choice in chunk.choices:
        buffers[choice.index] += choice.text
        if choice.finish_reason is not None:
            finish[choice.index] = choice.finish_reason

for index in sorted(buffers):
    print(index, repr(buffers[index]), finish.get(index))
