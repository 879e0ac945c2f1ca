"""The module-level client, a raw response and a streaming response."""

import openai

completion = openai.completions.create(
    model="gpt-3.5-turbo-instruct", prompt="Summarize the plot of Hamlet", max_tokens=40
)
print("module:", completion.choices[0].text.strip())

client = openai.OpenAI()
raw = client.completions.with_raw_response.create(
    model="gpt-3.5-turbo-instruct", prompt="Name a famous painter", max_tokens=24
)
print("status:", raw.status_code)
print("parsed:", raw.parse().choices[0].text.strip())

with client.with_streaming_response.completions.create(
    model="gpt-3.5-turbo-instruct", prompt="Name a color", max_tokens=24
) as response:
    print("streaming status:", response.status_code)
    print("streamed:", response.parse().choices[0].text)
