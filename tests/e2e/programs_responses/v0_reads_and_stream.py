"""openai<1.0: dict reads, a finish reason compared, usage, and streams written out."""

import sys

import openai

response = openai.Completion.create(
    engine="text-davinci-003", prompt="Describe a sunset in a few words", max_tokens=40, temperature=0
)
text = response["choices"][0]["text"]
print(text.strip())
print("finished:", response["choices"][0]["finish_reason"] == "stop")
usage = response["usage"]
print("tokens:", usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"])

for chunk in openai.Completion.create(model="gpt-3.5-turbo-instruct", prompt="Count to five", stream=True):
    sys.stdout.write(chunk["choices"][0]["text"])
print()

for chunk in openai.Completion.create(model="gpt-3.5-turbo-instruct", prompt="Name two birds", stream=True):
    print(chunk["choices"][0]["text"])
