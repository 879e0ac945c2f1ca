"""The finish reason compared, the usage read through a variable, the choice held in one."""

from openai import OpenAI

client = OpenAI()


def describe(prompt: str, budget: int) -> None:
    response = client.completions.create(
        model="gpt-3.5-turbo-instruct",
        prompt=prompt,
        max_tokens=budget,
        temperature=0,
    )
    choice = response.choices[0]
    print("text:", choice.text.strip())
    print("index:", choice.index)
    if choice.finish_reason == "length":
        print("cut short at", budget)
    elif choice.finish_reason == "stop":
        print("complete")
    usage = response.usage
    if usage is not None:
        print("tokens:", usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)
    print("completion object:", response.object == "text_completion", response.created > 0)


describe("Describe the ocean in a few words", 32)
describe("Describe the mountains at length, with every detail you know", 16)
