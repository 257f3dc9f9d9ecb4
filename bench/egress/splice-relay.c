#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static size_t CHUNK = 1 << 20;
struct pair { int from, to; };
static int bport;
static void *pump(void *a) {
  struct pair *p = a; int pf[2]; pipe2(pf, 0); fcntl(pf[1], F_SETPIPE_SZ, (int)CHUNK);
  for (;;) {
    ssize_t n = splice(p->from, NULL, pf[1], NULL, CHUNK, SPLICE_F_MOVE | SPLICE_F_MORE);
    if (n <= 0) break;
    while (n > 0) { ssize_t m = splice(pf[0], NULL, p->to, NULL, n, SPLICE_F_MOVE | SPLICE_F_MORE); if (m <= 0) goto out; n -= m; }
  }
out:
  shutdown(p->to, SHUT_WR); close(pf[0]); close(pf[1]); return NULL;
}
/* One connection: dial the origin, one pumping thread per direction. */
static void *serve(void *arg) {
  int c = (int)(long)arg, one = 1;
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(bport); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int u = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(u, (void *)&a, sizeof a)) { close(u); close(c); return NULL; }
  setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, 4); setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, 4);
  struct pair up = {c, u}, down = {u, c}; pthread_t t1, t2;
  pthread_create(&t1, NULL, pump, &up); pthread_create(&t2, NULL, pump, &down);
  pthread_join(t1, NULL); pthread_join(t2, NULL); close(u); close(c); return NULL;
}
/* Usage: splice-relay LISTEN_PORT ORIGIN_PORT [PIPE_BYTES]: a loopback TCP relay, threads not processes
   (so that /proc/PID/stat counts all of its CPU). A benchmark reference only. */
int main(int argc, char **argv) {
  int lport = atoi(argv[1]); bport = atoi(argv[2]); if (argc > 3) CHUNK = atol(argv[3]);
  int ls = socket(AF_INET, SOCK_STREAM, 0); int one = 1; setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, 4);
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(lport); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 64)) { perror("bind"); return 1; }
  for (;;) {
    int c = accept(ls, NULL, NULL); if (c < 0) continue;
    pthread_t t; pthread_create(&t, NULL, serve, (void *)(long)c); pthread_detach(t);
  }
}
