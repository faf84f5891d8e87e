#pragma once
// defines: run_rank_threads, thread mode: the ranks of a one-node job as
// threads of this process (each its own Context, model and communicator),
// the rendezvous store served here on a free port.
#include <functional>

#include "engine/dist/rank_environment.h"

namespace yolo {

// Runs body(env) for ranks 0..n-1 concurrently and returns when all have
// returned. A rank's failure is rethrown here (the lowest failing rank's,
// with its number); the other ranks see their collectives fail and end too.
void run_rank_threads(int n, const std::function<void(const RankEnvironment&)>& body);

}  // namespace yolo
