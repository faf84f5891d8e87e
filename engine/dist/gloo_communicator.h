#pragma once
// defines: make_gloo_communicator, the CPU Communicator: Gloo over TCP,
// connected through the rendezvous store, every collective run in order on
// one communication thread (so gradient buckets reduce while backward goes
// on, and Gloo never sees two collectives at once).
#include <memory>
#include <string>

#include "engine/dist/communicator.h"
#include "engine/dist/tcp_store.h"

namespace yolo {

// Connects every rank to every other (Gloo's full mesh; addresses through
// `store` under `prefix`). local_host: the address peers reach this rank at
// (its interface when GLOO_SOCKET_IFNAME is set, as PyTorch).
std::unique_ptr<Communicator> make_gloo_communicator(TcpStore& store, const std::string& prefix, int rank, int size,
                                                     const std::string& local_host, Milliseconds timeout);

}  // namespace yolo
