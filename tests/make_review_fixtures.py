import struct, sys
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
def ip4(src,dst,payload,proto=6,tot=None,ihl=5,opts=b''):
    tl = tot if tot is not None else 20+len(opts)+len(payload)
    h=struct.pack('!BBHHHBBH4s4s',0x40|ihl,0,tl,1,0,64,proto,0,bytes(src),bytes(dst))+opts
    h=h[:10]+struct.pack('!H',csum(h))+h[12:]
    return h+payload
def tcp(sp,dp,seq,ack,flags,opts=b'',data=b'',src=(10,0,0,1),dst=(10,0,0,2),doff=None):
    hl=20+len(opts)
    d = doff if doff is not None else hl//4
    h=struct.pack('!HHIIHHHH',sp,dp,seq,ack,(d<<12)|flags,65535,0,0)+opts
    ph=struct.pack('!4s4sBBH',bytes(src),bytes(dst),0,6,len(h)+len(data))
    c=csum(ph+h+data)
    return h[:16]+struct.pack('!H',c)+h[18:]+data
def eth(p,t=0x0800): return b'\x00\x01\x02\x03\x04\x05'+b'\x00\x0a\x0b\x0c\x0d\x0e'+struct.pack('!H',t)+p
def pcap(fn,recs,dlt=1,sec=1700000000):
    with open(fn,'wb') as f:
        f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,dlt))
        for i,r in enumerate(recs):
            if isinstance(r,tuple): data,wl,s=r
            else: data,wl,s=r,len(r),sec
            f.write(struct.pack('<IIII',s & 0xffffffff,500000,len(data),wl)+data)
S=(10,0,0,1);D=(10,0,0,2)
# 1: stale anomalies
f1=eth(ip4(S,D,tcp(1,2,100,5,0x003)))   # SYN+FIN, ack without ACK flag
f2=eth(ip4(S,D,tcp(1,2,100,0,0x002)))[:10]
pcap('stale.pcap',[f1,(f2,60,1700000000)])
# raw dlt 101 for filter
pcap('raw.pcap',[ip4(S,D,tcp(1,2,100,0,0x002))],dlt=101)
# negative time
pcap('neg.pcap',[(eth(ip4(S,D,tcp(1,2,100,0,0x002))),54,-1)])
# ERSPAN type I: GRE without S bit, proto 0x88be, directly Ethernet
inner=eth(ip4((192,168,0,1),(192,168,0,2),tcp(80,81,7,0,0x002,src=(192,168,0,1),dst=(192,168,0,2))))
gre=struct.pack('!HH',0,0x88be)+inner
pcap('erspan1.pcap',[eth(ip4(S,D,gre,proto=47))])
