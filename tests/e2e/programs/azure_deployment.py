"""AzureOpenAI: endpoint, key, api-version and deployment come from the environment."""

import os

from openai import AzureOpenAI

DEPLOYMENT = os.environ.get("AZURE_OPENAI_DEPLOYMENT", "support-bot")

client = AzureOpenAI()

response = client.completions.create(
    model=DEPLOYMENT,
    prompt="Write a slogan for a coffee shop",
    max_tokens=10,
)
print(response.choices[0].text.strip())
print("finish:", response.choices[0].finish_reason)
