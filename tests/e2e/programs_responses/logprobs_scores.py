"""logprobs=2: the sampled tokens, their log probabilities and the alternatives."""

from openai import OpenAI

client = OpenAI()

response = client.completions.create(
    model="gpt-3.5-turbo-instruct", prompt="Is the sky blue", max_tokens=20, logprobs=2
)
choice = response.choices[0]
print("text:", choice.text)
logprobs = choice.logprobs
print("has logprobs:", logprobs is not None)
assert logprobs is not None
for token, logprob in zip(logprobs.tokens or [], logprobs.token_logprobs or []):
    print(f"{token!r}: {logprob:.3f}")
print("first alternatives:", response.choices[0].logprobs.top_logprobs[0])
