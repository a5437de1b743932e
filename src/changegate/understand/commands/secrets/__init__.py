"""Secret stores and the runners that inject secrets: vault, op, pass, sops, bw, doppler, …"""
