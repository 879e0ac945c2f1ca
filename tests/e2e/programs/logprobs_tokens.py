"""Reads the legacy logprobs structure: tokens and token_logprobs."""

from openai import OpenAI

client = OpenAI()

response = client.completions.create(
    model="gpt-3.5-turbo-instruct",
    prompt="The quick brown fox",
    max_tokens=4,
    logprobs=2,
)
choice = response.choices[0]
print("text:", choice.text)
lp = choice.logprobs
assert lp is not None
for token, logprob in zip(lp.tokens or [], lp.token_logprobs or []):
    print(f"{token!r}: {logprob:.3f}")
