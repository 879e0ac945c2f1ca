"""`stream=True`: print as it arrives, and accumulate the text of the chunks."""

import sys

import openai

for chunk in openai.Completion.create(
    model="gpt-3.5-turbo-instruct",
    prompt="Write a haiku about autumn leaves",
    max_tokens=50,
    stream=True,
):
    sys.stdout.write(chunk["choices"][0]["text"])
print()

story = ""
stream = openai.Completion.create(
    engine="text-davinci-003", prompt="Tell a story about a brave knight", stream=True
)
for chunk in stream:
    story += chunk["choices"][0]["text"]
print("story:", story)
print("words:", len(story.split()))
