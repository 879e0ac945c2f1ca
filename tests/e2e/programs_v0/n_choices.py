"""`n=2` with a loop over the choices and a stop sequence."""

import openai

resp = openai.Completion.create(
    model="text-davinci-003",
    prompt="Suggest a name for a black cat please",
    n=2,
    max_tokens=16,
    stop=" cat",
)
for choice in resp["choices"]:
    print(choice["index"], repr(choice["text"]), choice["finish_reason"])
names = [c["text"].strip() for c in resp.choices]
print("names:", " | ".join(names))
longest = max(resp["choices"], key=lambda c: len(c["text"]))
print("longest:", longest["text"])
