"""Sync streaming printed as it arrives, and accumulated with +=."""

import openai

client = openai.OpenAI()

stream = client.completions.create(
    model="gpt-3.5-turbo-instruct",
    prompt="Write a haiku about autumn leaves",
    max_tokens=50,
    stream=True,
)
for chunk in stream:
    print(chunk.choices[0].text, end="")
print()

story = ""
for chunk in client.completions.create(
    model="gpt-3.5-turbo-instruct", prompt="Tell a story about a brave knight", stream=True
):
    story += chunk.choices[0].text
print("story:", story)
print("words:", len(story.split()))
