import struct
def blk(t,body):
    body+=b'\0'*((-len(body))%4)
    L=12+len(body)
    return struct.pack('<II',t,L)+body+struct.pack('<I',L)
shb=blk(0x0a0d0d0a,struct.pack('<IHHq',0x1a2b3c4d,1,0,-1))
def idb(lt,opts=b''): return blk(1,struct.pack('<HHI',lt,0,0)+opts)
def opt(c,v): return struct.pack('<HH',c,len(v))+v+b'\0'*((-len(v))%4)
def epb(ifid,ts,data): return blk(6,struct.pack('<IIIII',ifid,ts>>32,ts&0xffffffff,len(data),len(data))+data)
import sys
sys.path.insert(0,'.')
exec(open('mk.py').read().split("S=(10")[0])
S=(10,0,0,1);D=(10,0,0,2)
pkt=ip4(S,D,tcp(1,2,100,0,0x002))
open('raw101.pcapng','wb').write(shb+idb(101)+epb(0,1700000000*10**6,pkt))
# tsoffset overflow: tsresol 0 (seconds), ts huge, tsoffset INT64_MAX
o=opt(9,b'\x00')+opt(14,struct.pack('<q',2**63-1))+struct.pack('<HH',0,0)
open('tsoff.pcapng','wb').write(shb+idb(1,o)+epb(0,2**63-1,eth(pkt)))
