"""`logprobs=1`: print the sampled tokens and their log probabilities."""

import openai

response = openai.Completion.create(
    model="gpt-3.5-turbo-instruct",
    prompt="Is a tomato a fruit",
    max_tokens=6,
    logprobs=1,
)
choice = response["choices"][0]
print("text:", choice["text"])
tokens = choice["logprobs"]["tokens"]
print("tokens:", tokens)
print("logprobs:", choice["logprobs"]["token_logprobs"])
