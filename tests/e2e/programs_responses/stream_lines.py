"""Streams printed one chunk per line, counted, collected, joined, and cut by the budget."""

from openai import OpenAI

client = OpenAI()

for chunk in client.completions.create(
    model="gpt-3.5-turbo-instruct", prompt="Name three planets", max_tokens=20, stream=True
):
    print(chunk.choices[0].text)

count = 0
longest = ""
for chunk in client.completions.create(model="gpt-3.5-turbo-instruct", prompt="List some rivers", stream=True):
    count += 1
    if len(chunk.choices[0].text) > len(longest):
        longest = chunk.choices[0].text
print("chunks:", count, "longest:", repr(longest))

joined = "".join(
    c.choices[0].text
    for c in client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say something kind", stream=True)
)
print("joined:", joined)
pieces = [
    c.choices[0].text
    for c in client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Name a tree", stream=True)
]
print("pieces:", len(pieces), "|".join(pieces))

cut = ""
for chunk in client.completions.create(
    model="gpt-3.5-turbo-instruct",
    prompt="Tell a story at length about a dragon and a knight",
    max_tokens=16,
    stream=True,
):
    cut += chunk.choices[0].text
print("cut:", cut)
