# The project's completion of the notes' §7 fragment (this file is ours, not the notes' text).
#
# The fragment calls a pool, a task and a url that it never defines. This defines them, the way
# s07-thread-pool does: `task` downloads `url` from a local "video site" (a server on 127.0.0.1,
# on a port the OS picks, that answers each request after 1 s — scaled like every time.sleep) and
# returns what it downloaded. The fragment shows three separate uses of one pool, and the first
# one shuts it down; so that the later ones can still submit, this pool's shutdown waits as
# ThreadPoolExecutor's does and then starts a fresh executor of the same size.
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VIDEO_BYTES = 64 * 1024


class _VideoSite(BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        line = f"video {name}\n".encode()
        body = (line * (VIDEO_BYTES // len(line) + 1))[:VIDEO_BYTES]
        time.sleep(1)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


_site = ThreadingHTTPServer(("127.0.0.1", 0), _VideoSite)
_site.daemon_threads = True
threading.Thread(target=_site.serve_forever, daemon=True).start()

url = f"http://127.0.0.1:{_site.server_address[1]}/video/video-1.mp4"


def task(url):
    with urllib.request.urlopen(url) as response:
        return f"{url}：{len(response.read())} 字节"


class _Pool:
    def __init__(self, workers):
        self._workers = workers
        self._executor = ThreadPoolExecutor(workers)

    def submit(self, fn, *args, **kwargs):
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True):
        self._executor.shutdown(wait)
        self._executor = ThreadPoolExecutor(self._workers)


pool = _Pool(4)
