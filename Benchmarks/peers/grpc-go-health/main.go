// The grpc-go peer of scripts/bench-all.sh: grpc-go's stock health server (Debian golang-google-grpc-dev),
// SERVING for "" and for a no-op service name, plaintext h2c on the address given as the first argument.
package main

import (
	"log"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	address := "127.0.0.1:50071"
	if len(os.Args) > 1 {
		address = os.Args[1]
	}
	listener, err := net.Listen("tcp", address)
	if err != nil {
		log.Fatalf("listen %s: %v", address, err)
	}
	server := grpc.NewServer()
	healthServer := health.NewServer()
	healthServer.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(server, healthServer)
	log.Printf("grpc-go health peer listening on %s", address)
	if err := server.Serve(listener); err != nil {
		log.Fatalf("serve: %v", err)
	}
}
