"""Notebook-style script: module globals for the key, the base URL and the model."""

import os

import openai

openai.api_key = os.getenv("OPENAI_API_KEY")
openai.api_base = os.getenv("OPENAI_API_BASE", "https://api.openai.com/v1")

MODEL = "text-davinci-003"

response = openai.Completion.create(
    engine=MODEL,
    prompt="Summarize the plot of Hamlet in one sentence",
    max_tokens=60,
    temperature=0,
)
print(response["choices"][0]["text"].strip())
print("finish:", response["choices"][0]["finish_reason"])
print("tokens:", response["usage"]["total_tokens"])
if response["object"] == "text_completion":
    print("kind: completion")
