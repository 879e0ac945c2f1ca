"""with_raw_response: read headers, then .parse() the completion."""

from openai import OpenAI

client = OpenAI()

raw = client.completions.with_raw_response.create(
    model="gpt-3.5-turbo-instruct",
    prompt="Summarize the plot of Hamlet",
    max_tokens=20,
)
print("status:", raw.status_code)
print("has request id:", raw.headers.get("x-request-id") is not None)
completion = raw.parse()
print("text:", completion.choices[0].text.strip())
print("finish:", completion.choices[0].finish_reason)
