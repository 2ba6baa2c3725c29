"""The original's method, the original's way, for the bench's same-run ratios.

EmbeddingStudio's FeaturesExtractor is not installable from a registry, so this
is a re-implementation of its loop structure, written from docs/DESIGN.md (not
copied): one session at a time, its query and results through the model,
one rank per part, one aggregation per object, the (positive, negative) pair
lists built in Python and concatenated per batch, then the probabilistic
margin loss, backward and an SGD step. It runs the bench's own workload (the
files `clicktune-bench` writes) and prints one JSON object per workload.

Usage: python original_method.py WORKLOAD_DIR --iterations N --threads T
"""

import argparse
import json
import statistics
import sys
import time

import torch


def load(directory):
    with open(f"{directory}/workload.json", encoding="utf-8") as file:
        workload = json.load(file)
    dimension = workload["dimension"]

    def matrix(name):
        with open(f"{directory}/{name}", "rb") as file:
            return torch.frombuffer(bytearray(file.read()), dtype=torch.float32).reshape(-1, dimension)

    return workload, matrix("items.f32"), matrix("queries.f32")


class LinearAdapter(torch.nn.Module):
    """d × d weights per adapted tower, starting at the identity (as ClickTune's LinearAdapter)."""

    def __init__(self, dimension, towers):
        super().__init__()
        self.query = torch.nn.Parameter(torch.eye(dimension))
        self.item = torch.nn.Parameter(torch.eye(dimension)) if towers == "both" else None

    def forward_query(self, vectors):
        return vectors @ self.query

    def forward_items(self, vectors):
        return vectors if self.item is None else vectors @ self.item


def session_features(model, session, items, queries):
    """Ranks and confidences of every (clicked object, unclicked object) pair of one session."""
    query = model.forward_query(queries[session["query"]].unsqueeze(0))
    results = model.forward_items(items[session["results"]])
    part_ranks = torch.nn.functional.cosine_similarity(query, results, dim=1, eps=1e-6)
    clicked = set(session["clicked"])
    positives, negatives = [], []
    # Every result is its own object here; the original aggregates each object's parts in turn.
    for position in range(len(session["results"])):
        object_rank = torch.mean(part_ranks[position : position + 1])
        (positives if position in clicked else negatives).append(object_rank)
    # Dummy confidences: every object 1.
    positive_confidences = torch.ones(len(positives))
    negative_confidences = torch.ones(len(negatives))
    positive_ranks, negative_ranks, pair_positive_confidences, pair_negative_confidences = [], [], [], []
    for positive_index, positive in enumerate(positives):
        for negative_index, negative in enumerate(negatives):
            positive_ranks.append(positive)
            negative_ranks.append(negative)
            pair_positive_confidences.append(positive_confidences[positive_index])
            pair_negative_confidences.append(negative_confidences[negative_index])
    return (
        torch.stack(positive_ranks),
        torch.stack(negative_ranks),
        torch.stack(pair_positive_confidences),
        torch.stack(pair_negative_confidences),
    )


def batch_loss(model, batch, items, queries, settings):
    positive_ranks, negative_ranks, positive_confidences, negative_confidences = [], [], [], []
    for session in batch:
        features = session_features(model, session, items, queries)
        positive_ranks.append(features[0])
        negative_ranks.append(features[1])
        positive_confidences.append(features[2])
        negative_confidences.append(features[3])
    difference = torch.cat(positive_ranks) - torch.cat(negative_ranks)
    confidence = torch.minimum(torch.cat(positive_confidences), torch.cat(negative_confidences))
    size = difference.abs()
    keep = (size > settings["minAbsDifference"]) & (size < settings["maxAbsDifference"])
    if not bool(keep.any()):
        return None
    return (torch.sigmoid(settings["margin"] - difference[keep]) * confidence[keep]).mean()


def batches_of(workload):
    sessions = workload["sessions"]
    size = workload["batchSize"]
    return [sessions[start : start + size] for start in range(0, len(sessions), size)]


def median_ms(run, iterations):
    run()  # warm-up pass
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure_training(workload, items, queries, towers, iterations):
    model = LinearAdapter(workload["dimension"], towers)
    optimizer = torch.optim.SGD(model.parameters(), lr=workload["learningRate"])
    batches = batches_of(workload)

    def one_pass():
        for batch in batches:
            optimizer.zero_grad()
            loss = batch_loss(model, batch, items, queries, workload)
            if loss is not None:
                loss.backward()
                optimizer.step()

    return {"medianMs": median_ms(one_pass, iterations)}


def measure_inference(workload, items, queries, iterations):
    model = LinearAdapter(workload["dimension"], "both")
    batches = batches_of(workload)
    losses = []

    def one_pass():
        losses.clear()
        with torch.no_grad():
            for batch in batches:
                loss = batch_loss(model, batch, items, queries, workload)
                losses.append(0.0 if loss is None else float(loss))

    median = median_ms(one_pass, iterations)
    return {"medianMs": median, "meanLoss": sum(losses) / len(losses)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    workload, items, queries = load(arguments.workload)
    detail = f"PyTorch {torch.__version__}, {arguments.threads} thread{'s' if arguments.threads > 1 else ''}"
    rows = [
        ("W3", measure_inference(workload, items, queries, arguments.iterations)),
        ("W1", measure_training(workload, items, queries, "both", arguments.iterations)),
        ("W2", measure_training(workload, items, queries, "query", arguments.iterations)),
    ]
    for name, row in rows:
        sys.stdout.write(json.dumps({"workload": name, "detail": detail, **row}) + "\n")


if __name__ == "__main__":
    main()
