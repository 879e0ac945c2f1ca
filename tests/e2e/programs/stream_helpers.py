"""A helper returns a stream, another consumes it; with_options on the client."""

from openai import OpenAI, Stream
from openai.types import Completion

client = OpenAI()


def start_stream(prompt: str) -> Stream[Completion]:
    return client.with_options(max_retries=1).completions.create(
        model="gpt-3.5-turbo-instruct",
        prompt=prompt,
        max_tokens=6,
        stream=True,
    )


def collect(stream: Stream[Completion]) -> str:
    text = ""
    for event in stream:
        text += event.choices[0].text
    return text


if __name__ == "__main__":
    print("collected:", collect(start_stream("List some fruits: apple, banana")))
    with client.completions.with_streaming_response.create(
        model="gpt-3.5-turbo-instruct", prompt="Name a color"
    ) as response:
        print("status:", response.status_code)
        print("parsed:", response.parse().choices[0].text)
