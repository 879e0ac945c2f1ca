"""OAI003 stream-text."""

from __future__ import annotations

from collections.abc import Iterator

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, Rule, RuleContext

from . import responses, responses_reads
from .analysis import Analysis, analyse
from .read_rewrites import mixed_read, read_rewrite


class StreamTextRule(Rule):
    """## What it does
    Finds reads of streamed completion chunks, `chunk.choices[i].text` where the chunks
    come from a completions call with `stream=True`, and rewrites them to
    `chunk.choices[i].delta.content`. Also reports a completions call whose `stream=`
    is not a literal `True` or `False`.

    Under `--target responses` the loops (and comprehensions) over the stream are
    rewritten so that they see only what the legacy stream had: the text of the
    `response.output_text.delta` events (`event.delta`), and where the last legacy chunk
    (empty text) made a difference, a `print` per chunk, a count, a list of the pieces,
    the terminal `response.completed` / `response.incomplete` event with an empty text.

    ## Why is this bad?
    Chat streams yield `ChatCompletionChunk` objects whose choices carry a `delta`, and
    the first and last chunks of a chat stream have no content at all. A Responses
    stream yields typed events (`response.created`, `response.output_text.delta`, ...,
    `response.completed`), each with a `sequence_number`; only the delta events carry text.

    ## Example
    ```python
    for chunk in client.completions.create(model=m, prompt=p, stream=True):
        print(chunk.choices[0].text, end="")
    ```
    Use instead:
    ```python
    for chunk in client.chat.completions.create(model=m, messages=[{"role": "user", "content": p}], stream=True):
        print(chunk.choices[0].delta.content or "", end="")
    ```
    With `stream_options={"include_usage": True}` the last chunk has an empty `choices`
    list; the finding points out reads that index into it.

    Under `--target responses`:
    ```python
    for chunk in client.responses.create(model=m, input=p, stream=True, store=False):
        if chunk.type != "response.output_text.delta":
            continue
        print(chunk.delta, end="")
    ```
    and `print(chunk.choices[0].text)` (one line per chunk) becomes
    `print(chunk.delta if chunk.type == "response.output_text.delta" else "")` after
    `if chunk.type not in ("response.output_text.delta", "response.completed",
    "response.incomplete"): continue`, so the output has the same lines.

    ## Fix safety
    Safe when the chunk is traced to a `stream=True` call migrated in the same fix. A call
    whose `stream=` is computed cannot be migrated automatically (its response may be a
    completion or a stream), so it is reported and left as it is.

    Under `--target responses`, what a Responses stream cannot reproduce exactly is
    reported and blocks the call: `include_usage` (usage arrives with
    `response.completed`), chunks numbered or unpacked (`enumerate(stream)`), consumed by
    `next()` or `list()`, kept after the loop, or read for anything but their text.
    """

    code = "OAI003"
    name = "stream-text"
    summary = "streamed completion text read as `.choices[i].text`"
    prefilter = ((b"completions",), (b"Completion",))

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        # The reads of the chunks: the Responses target follows its streams itself.
        reads = responses_reads.stream_reports(ctx) if responses.active(ctx) else self._chunk_reads(analysis)
        yield from reads
        yield from self._computed_streams(analysis)

    def _chunk_reads(self, analysis: Analysis) -> Iterator[Report]:
        usage_calls = {call.key for call in analysis.calls if call.stream and call.include_usage}
        for read in analysis.reads:
            if read.kind is None or read.kind.read_tag != "chunk_choice":
                continue
            if read.kind.mixed:
                yield mixed_read(self.code, read.node, read.kind)
                continue
            message = "streamed completion text read as `text`; a chat chunk has `delta.content`"
            if read.kind.sources & usage_calls:
                message += (
                    " (with include_usage the last chunk has no choices: check "
                    "`chunk.choices` before indexing it)"
                )
            generation = analysis.flow.generation_of(read.kind)
            transform = read_rewrite(analysis.names, read, "delta", generation) if generation else None
            yield Report(
                code=self.code,
                node=read.node,
                message=message,
                fix=Fix(Applicability.SAFE, (Edit(read.node, transform),)) if transform else None,
                advice=None if transform else "read `choices[i].delta.content` of the chat chunk",
                groups=read.kind.sources,
            )

    def _computed_streams(self, analysis: Analysis) -> Iterator[Report]:
        for call in analysis.calls:
            if call.stream is None:
                stream = call.keyword("stream")
                assert stream is not None
                yield Report(
                    code=self.code,
                    node=stream,
                    message="`stream=` is computed, so the response may be a completion or a stream",
                    advice=(
                        "split the call into a streaming and a non-streaming branch with literal "
                        "`stream=True` / `stream=False`, then run `migrator fix` again"
                    ),
                    groups=frozenset({call.key}),
                )
