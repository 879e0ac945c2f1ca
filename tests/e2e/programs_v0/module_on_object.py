"""The module kept on an object (`self._openai = openai`) and a per-call `request_timeout`."""

import openai


class Summarizer:
    def __init__(self, model="text-davinci-003"):
        self._openai = openai
        self.model = model

    def summarize(self, text):
        response = self._openai.Completion.create(
            engine=self.model,
            prompt=f"Summarize: {text}",
            max_tokens=8,
            request_timeout=20,
        )
        return response.choices[0].text.strip(), response["choices"][0]["finish_reason"]


summary, finish = Summarizer().summarize("The quick brown fox jumps over the lazy dog")
print(summary)
print("finish:", finish)
