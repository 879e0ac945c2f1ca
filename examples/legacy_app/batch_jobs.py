"""Calls that need a person: no chat equivalent exists for these parameters."""

from openai import AsyncOpenAI, AzureOpenAI

aclient = AsyncOpenAI()
azure = AzureOpenAI(api_version="2024-02-01", azure_endpoint="https://example.openai.azure.com")


async def score(text: str) -> float:
    # echo + logprobs scores the prompt's own tokens: chat cannot do that.
    response = await aclient.completions.create(
        model="davinci-002", prompt=text, echo=True, logprobs=0, max_tokens=0
    )
    return sum(response.choices[0].logprobs.token_logprobs[1:])


async def complete_many(prompts: list[str]) -> list[str]:
    response = await aclient.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompts)
    return [choice.text for choice in response.choices]


def insert(prefix: str, suffix: str) -> str:
    response = azure.completions.create(model="my-instruct-deployment", prompt=prefix, suffix=suffix)
    return response.choices[0].text
