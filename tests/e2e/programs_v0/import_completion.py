"""`from openai import Completion`, attribute-style reads and a stored choice."""

from openai import Completion

PROMPT = "List three uses for a paperclip"

result = Completion.create(
    model="gpt-3.5-turbo-instruct",
    prompt=PROMPT,
    max_tokens=40,
    stop=["\n\n"],
)
print(result.choices[0].text.strip())
choice = result.choices[0]
print("again:", choice.get("text"))
print("via key:", choice["text"].upper())
print("finish:", choice.finish_reason)
print("usage:", result.usage.completion_tokens, result.get("usage").get("prompt_tokens"))
