/*
 * pcap_loop: the floor for reading a capture: open it with libpcap and touch
 * every packet (pcap_next_ex, sum of captured lengths), nothing else.
 * `make bench` compares `sipwhy rtp` with it ("packets per second that a bare
 * libpcap read loop manages on the same file").
 * Usage: pcap_loop FILE   prints "packets bytes" on stdout.
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcap_loop FILE\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap_loop: %s\n", err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const unsigned char *d;
    unsigned long long n = 0, bytes = 0, x = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        n++;
        bytes += h->caplen;
        if (h->caplen)
            x += d[h->caplen - 1]; /* touch the packet's last byte */
    }
    pcap_close(p);
    printf("%llu %llu %llu\n", n, bytes, x & 1);
    return 0;
}
