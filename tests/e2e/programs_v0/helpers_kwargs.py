"""A helper that receives the response, v0-only kwargs and `openai.error` handlers."""

import os

import openai

openai.api_key = os.environ["OPENAI_API_KEY"]
openai.api_base = os.environ["OPENAI_API_BASE"]


def complete(prompt, max_tokens=32):
    try:
        return openai.Completion.create(
            model="text-davinci-003",
            prompt=prompt,
            max_tokens=max_tokens,
            request_timeout=30,
            headers={"X-Request-Source": "e2e"},
        )
    except openai.error.RateLimitError as error:
        print("rate limited:", error)
        raise
    except openai.error.Timeout:
        print("timed out")
        raise


def first_text(response):
    return response["choices"][0]["text"].strip()


def report(response):
    choice = response["choices"][0]
    print("text:", first_text(response))
    print("finish:", choice["finish_reason"], "total:", response["usage"]["total_tokens"])


report(complete("Translate 'good morning' into French"))
report(complete("Give me a word that rhymes with orange", max_tokens=5))
