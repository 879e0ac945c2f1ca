"""AzureOpenAI from the environment; the deployment's model is one Responses serves."""

import os

from openai import AzureOpenAI

client = AzureOpenAI()
DEPLOYMENT = os.environ.get("AZURE_OPENAI_DEPLOYMENT", "assistant")

response = client.completions.create(
    model=DEPLOYMENT, prompt="Write a slogan for a bakery", max_tokens=24
)
print(response.choices[0].text.strip())
print("tokens:", response.usage.total_tokens)
