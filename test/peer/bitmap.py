# The one piece of the `bitmap` package tini's test driver uses (not packaged by Debian):
# BitMap.fromstring("0101").nonzero() gives the set bits, the last character being bit 0.
class BitMap:
    def __init__(self, bits):
        self.bits = bits

    @classmethod
    def fromstring(cls, text):
        return cls([i for i, c in enumerate(reversed(text)) if c == "1"])

    def nonzero(self):
        return list(self.bits)
