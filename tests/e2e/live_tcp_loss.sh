#!/bin/sh
# shellcheck disable=SC2016  # awk programs in single quotes on purpose
# live_tcp_loss.sh - a TCP segment lost on the wire: real Linux TCP retransmission and
# out-of-order arrival, recorded on both ends; sipwhy's message list compared with
# tshark's on each capture.
#
# Two network namespaces joined by a veth pair (198.18.1.1 client, 198.18.1.2 sipp's
# built-in UAS on TCP 5060, static neighbour entries, no ARP). scenarios/tcp_writer.py
# (plan "loss") sends INVITE loss1 in three segments (200 bytes, 1350 bytes that end
# inside the body, the rest). Just before segment 2 it points the client's neighbour
# entry for the server at a MAC address nobody has (hook drop_on), just after it puts
# the right one back (drop_off). So segment 2 leaves the client (and is recorded there)
# but the server's stack discards it (frame for another host), and the server's capture,
# filtered on the server's MAC like a NIC out of promiscuous mode, never sees it. Segment
# 3 arrives, the server SACKs it, Linux retransmits segment 2. Then ACK, BYE, 200.
#   tx.pcap (client side): segment 2 twice (original + retransmission, same bytes)
#   rx.pcap (server side): segment 3 before segment 2 (out of order, fills the gap)
# Ground truth: tx.pcap with tshark's default preferences; rx.pcap needs
# tcp.reassemble_out_of_order:TRUE (tshark 4.0's default is FALSE, and then it shows the
# INVITE as an empty "Continuation" and never the INVITE): set through
# WIRESHARK_CONFIG_DIR, the tshark command itself is unchanged.
# Exit: 0 pass, 77 skip (no network namespaces), 1 fail. Takes about 4 s.
# shellcheck source-path=SCRIPTDIR source=lib_live.sh
. "$(dirname "$0")/lib_live.sh"
live_init tcp_loss
live_need sipp tcpdump tshark python3 ip ss timeout
live_need_netns
cd "$W" || exit 1

A=198.18.1.1
B=198.18.1.2
MAC_A=02:53:57:00:01:0a
MAC_B=02:53:57:00:01:0b
MAC_X=02:53:57:00:01:99 # nobody's
IF_A=swl$$a
IF_B=swl$$b
nsa=$(live_netns ta) || live_fail "cannot create network namespace"
live_netns_adopt "$nsa"
nsb=$(live_netns tb) || live_fail "cannot create network namespace"
live_netns_adopt "$nsb"
live_veth "$nsa" "$IF_A" "$MAC_A" "$nsb" "$IF_B" "$MAC_B" 1500 || live_fail "cannot create veth pair"
if ! { ip -n "$nsa" addr add "$A/24" dev "$IF_A" &&
       ip -n "$nsb" addr add "$B/24" dev "$IF_B" &&
       ip -n "$nsa" neigh replace "$B" lladdr "$MAC_B" dev "$IF_A" nud permanent &&
       ip -n "$nsb" neigh replace "$A" lladdr "$MAC_A" dev "$IF_B" nud permanent; }; then
    live_fail "cannot configure the veth pair"
fi

live_tcpdump_start tx "$nsa" "$IF_A" tcp port 5060
live_tcpdump_start rx "$nsb" "$IF_B" "ether host $MAC_B and tcp port 5060"
live_bg uas "$nsb" 30 sipp -sn uas -t t1 -i "$B" -p 5060 -m 1 -nostdin
live_wait_listen "$nsb" tcp "$B" 5060 || live_fail "sipp uas did not start: $(cat "$W/uas.err")"
live_run writer "$nsa" 30 python3 "$LIVE_SCEN/tcp_writer.py" loss --bind "$A" \
    --connect "$B:5060" --log "$W/writer.log" \
    --hook "drop_on=ip neigh replace $B lladdr $MAC_X dev $IF_A nud permanent" \
    --hook "drop_off=ip neigh replace $B lladdr $MAC_B dev $IF_A nud permanent" ||
    live_fail "tcp_writer.py failed (exit $?): $(cat "$W/writer.err"; tail -n 5 "$W/writer.log")"
live_wait uas || live_fail "sipp uas failed (exit $?): $(tail -n 20 "$W/uas.out")"
live_tcpdump_stop tx
live_tcpdump_stop rx

# --- tshark: did the loss happen as designed? ---
# Payload lengths of the client's segments, in capture order.
lens() {
    live_tshark -n -r "$W/$1.pcap" -Y "tcp.len > 0 && tcp.dstport == 5060" -T fields -e tcp.len |
        tr '\n' ' ' | sed 's/ $//'
}
tx_lens=$(lens tx)
rx_lens=$(lens rx)
live_log "client payload segments, tx.pcap: $tx_lens"
live_log "client payload segments, rx.pcap: $rx_lens"
s3=$(echo "$rx_lens" | awk '{ print $2 }')
live_expect "tx.pcap: segment 2 (1350 bytes) sent more than once" yes \
    "$(echo "$tx_lens" | awk '{ for (i = 1; i <= NF; i++) n += ($i == 1350) } END { print (n >= 2) ? "yes" : "no (" n ")" }')"
live_expect "tx.pcap: segments 1, 2 in order first" "200 1350" "$(echo "$tx_lens" | cut -d ' ' -f 1-2)"
live_expect "rx.pcap: 200, then segment 3, then segment 2 (once)" "200 $s3 1350" \
    "$(echo "$rx_lens" | cut -d ' ' -f 1-3)"
live_expect "rx.pcap: segment 2 arrives once" 1 \
    "$(echo "$rx_lens" | awk '{ for (i = 1; i <= NF; i++) n += ($i == 1350) } END { print n + 0 }')"
live_expect "rx.pcap: segment 3 is not 1350 bytes" yes "$([ "$s3" != 1350 ] && echo yes || echo no)"
live_expect_done "the captures"

echo 'tcp.reassemble_out_of_order: TRUE' >"$W/ooo.prefs"
live_ground_truth tx
live_ground_truth rx "$W/ooo.prefs"
check_counts() { # FILE WHO
    live_expect "$2: INVITE" 1 "$(live_rows "$1" '$8 == "INVITE"')"
    live_expect "$2: INVITE from the client" 1 "$(live_rows "$1" '$8 == "INVITE" && $3 == a' a="$A")"
    live_expect "$2: 180" 1 "$(live_rows "$1" '$9 == 180')"
    live_expect "$2: 200 to INVITE" 1 "$(live_rows "$1" '$9 == 200 && $12 == "INVITE"')"
    live_expect "$2: ACK" 1 "$(live_rows "$1" '$8 == "ACK"')"
    live_expect "$2: BYE" 1 "$(live_rows "$1" '$8 == "BYE"')"
    live_expect "$2: 200 to BYE" 1 "$(live_rows "$1" '$9 == 200 && $12 == "BYE"')"
    live_expect "$2: rows" 6 "$(live_rows "$1" 1)"
    live_expect "$2: rows without a Call-ID" 0 "$(live_rows "$1" '$10 == ""')"
    live_expect_done "$2"
}
check_counts "$W/tx.gtm.tsv" "tshark on tx.pcap"
check_counts "$W/rx.gtm.tsv" "tshark on rx.pcap"

# --- sipwhy ---
for c in tx rx; do
    live_sipwhy $c
    live_diff $c
    check_counts "$W/$c.ours.tsv" "sipwhy on $c.pcap"
    n=$(live_first "$W/$c.ours.tsv" '$8 == "INVITE"')
    live_show $c "$n" 'a=x-sipwhy-end:loss1' "INVITE, with a lost segment"
done
live_log "PASS ($(live_elapsed) s)"
exit 0
