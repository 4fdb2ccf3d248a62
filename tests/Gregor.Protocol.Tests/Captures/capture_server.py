import socket, struct, sys, binascii, threading
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(5)
PORT=s.getsockname()[1]
print(PORT, flush=True)
s.settimeout(15)
def uvarint(n):
    out=b''
    while n>=0x80: out+=bytes([(n&0x7f)|0x80]); n>>=7
    return out+bytes([n])
def st(x): b=x.encode(); return struct.pack('>h',len(b))+b
def handle(c):
    c.settimeout(5)
    try:
      while True:
        hdr=c.recv(4, socket.MSG_WAITALL)
        if len(hdr)<4: break
        n=struct.unpack('>i',hdr)[0]; body=b''
        while len(body)<n: body+=c.recv(n-len(body))
        key,ver,corr=struct.unpack('>hhi',body[:8])
        print('FRAME',key,ver,binascii.hexlify(body).decode(),flush=True)
        if key==18:
            apis=[(0,0,7),(1,0,11),(2,0,5),(3,0,4),(8,0,7),(9,0,7),(10,0,3),(11,0,7),(12,0,4),(14,0,4),(18,0,3)]
            b=struct.pack('>h',0)+uvarint(len(apis)+1)+b''.join(struct.pack('>hhh',*a)+b'\x00' for a in apis)+struct.pack('>i',0)+b'\x00'
        elif key==3 and ver==4:
            b=struct.pack('>i',0)+struct.pack('>i',1)+struct.pack('>i',1)+st('127.0.0.1')+struct.pack('>i',PORT)+struct.pack('>h',-1)
            b+=st('cluster')+struct.pack('>i',1)
            b+=struct.pack('>i',1)+struct.pack('>h',0)+st('golden')+b'\x00'+struct.pack('>i',1)
            b+=struct.pack('>hii',0,0,1)+struct.pack('>ii',1,1)+struct.pack('>ii',1,1)
        else:
            c.close(); break
        r=struct.pack('>i',corr)+b
        c.sendall(struct.pack('>i',len(r))+r)
    except Exception as e:
      print('ERR',e,flush=True)
try:
  while True:
    c,_ = s.accept(); threading.Thread(target=handle,args=(c,),daemon=True).start()
except socket.timeout:
  pass
