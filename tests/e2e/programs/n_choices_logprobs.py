"""n=2 iterated with `for choice in r.choices`, and logprobs=1."""

from openai import OpenAI

client = OpenAI()

r = client.completions.create(
    model="gpt-3.5-turbo-instruct",
    prompt="Suggest a name for a pet turtle",
    n=2,
    max_tokens=10,
)
for choice in r.choices:
    print(choice.index, choice.text.strip(), choice.finish_reason)
names = [c.text.strip() for c in r.choices]
print("distinct:", len(set(names)))

scored = client.completions.create(
    model="gpt-3.5-turbo-instruct",
    prompt="Is the sky blue? Answer yes or no",
    logprobs=1,
    max_tokens=5,
)
print("scored:", scored.choices[0].text.strip())
print("has logprobs:", scored.choices[0].logprobs is not None)
