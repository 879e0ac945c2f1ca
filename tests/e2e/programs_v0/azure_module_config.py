"""openai<1.0 on Azure: module-level api_type/api_base/api_version and a deployment."""

import os

import openai

openai.api_type = "azure"
openai.api_base = os.environ["AZURE_OPENAI_ENDPOINT"]
openai.api_version = "2023-05-15"
openai.api_key = os.environ["AZURE_OPENAI_API_KEY"]

DEPLOYMENT = os.environ.get("AZURE_OPENAI_DEPLOYMENT", "support-bot")

response = openai.Completion.create(
    engine=DEPLOYMENT,
    prompt="Write a slogan for a coffee shop",
    max_tokens=10,
)
print(response["choices"][0]["text"].strip())
print("finish:", response["choices"][0]["finish_reason"])
