# lib_audio.sh - the calls with known audio of audio.sh and live_split.sh (sourced after
# lib_diag.sh's diag_setup). audio_scenarios makes, in $W:
#   caller-0.raw / called-0.raw   2 s tones in PCMU (caller 1000 Hz, called party 400 Hz)
#   caller-8.raw / called-8.raw   the same in PCMA
#   g729.raw                      random G.729-sized frames (nobody decodes them here)
#   *.pcap                        each as RTP (scenarios/audio/rtp_pcap.py) for sipp
#   uac_PT.xml / uas_PT.xml       sipp scenarios playing them, PT = 0, 8, 18
ASC=$LIVE_SCEN/audio

audio_scenarios() {
    for enc in u-law:0 a-law:8; do
        e=${enc%%:*}
        pt=${enc#*:}
        sox -n -r 8000 -c 1 -e "$e" -t raw "$W/caller-$pt.raw" synth 2 sine 1000 vol 0.5 ||
            live_fail "sox cannot make the caller's tone"
        sox -n -r 8000 -c 1 -e "$e" -t raw "$W/called-$pt.raw" synth 2 sine 400 vol 0.5 ||
            live_fail "sox cannot make the called party's tone"
        python3 "$ASC/rtp_pcap.py" "$W/caller-$pt.raw" "$pt" 0x11110000 "$W/caller-$pt.pcap" &&
            python3 "$ASC/rtp_pcap.py" "$W/called-$pt.raw" "$pt" 0x22220000 "$W/called-$pt.pcap" ||
            live_fail "rtp_pcap.py failed"
    done
    # G.729 frames are 10 bytes per 10 ms; any bytes do for a codec nobody decodes here.
    head -c 16000 /dev/urandom >"$W/g729.raw"
    python3 "$ASC/rtp_pcap.py" "$W/g729.raw" 18 0x33330000 "$W/g729.pcap" || live_fail "rtp_pcap.py failed"
    audio__scenario uac_0 uac_audio.xml 0 PCMU "$W/caller-0.pcap"
    audio__scenario uas_0 uas_audio.xml 0 PCMU "$W/called-0.pcap"
    audio__scenario uac_8 uac_audio.xml 8 PCMA "$W/caller-8.pcap"
    audio__scenario uas_8 uas_audio.xml 8 PCMA "$W/called-8.pcap"
    audio__scenario uac_18 uac_audio.xml 18 G729 "$W/g729.pcap"
    audio__scenario uas_18 uas_audio.xml 18 G729 "$W/g729.pcap"
}

# audio__scenario NAME TEMPLATE PT CODEC PCAP: a scenario file with the codec and audio
audio__scenario() {
    sed -e "s/@PT@/$3/g" -e "s/@CODEC@/$4/g" -e "s#@PCAP@#$5#g" "$ASC/$2" >"$W/$1.xml"
}

# audio_calls PORT: the three calls, 127.0.0.90 -> .91 (PCMU), .92 (PCMA), .93 (G.729),
# one after the other; returns when the called parties are done.
audio_calls() {
    diag_uas uas_0 127.0.0.91 "$1" "$W/uas_0.xml" -m 1 -mp 31000
    diag_uas uas_8 127.0.0.92 "$1" "$W/uas_8.xml" -m 1 -mp 32000
    diag_uas uas_18 127.0.0.93 "$1" "$W/uas_18.xml" -m 1 -mp 33000
    diag_uac pcmu 127.0.0.90 "$1" "$W/uac_0.xml" "127.0.0.91:$1" -s pcmu -m 1 -mp 21000
    diag_ok pcmu 0 $?
    diag_uac pcma 127.0.0.90 "$1" "$W/uac_8.xml" "127.0.0.92:$1" -s pcma -m 1 -mp 22000
    diag_ok pcma 0 $?
    diag_uac g729 127.0.0.90 "$1" "$W/uac_18.xml" "127.0.0.93:$1" -s g729 -m 1 -mp 23000
    diag_ok g729 0 $?
    for u in 0 8 18; do
        live_wait "uas_$u" || live_fail "sipp UAS '$u' failed: $(tail -n 15 "$W/uas_$u.out")"
    done
}
