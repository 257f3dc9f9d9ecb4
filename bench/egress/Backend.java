import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/**
 * The origin server of the egress benchmark (JDK only: run with `java Backend.java PORT`):
 * GET /small answers 100 bytes; GET /bytes/N answers N zero bytes (bulk transfer).
 */
public class Backend {
    public static void main(String[] args) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 1024);
        byte[] small = "x".repeat(99).concat("\n").getBytes();
        byte[] chunk = new byte[256 * 1024];
        s.createContext("/", x -> {
            x.getRequestBody().readAllBytes();
            String p = x.getRequestURI().getPath();
            if (p.startsWith("/bytes/")) {
                long n = Long.parseLong(p.substring(7));
                x.sendResponseHeaders(200, n);
                try (OutputStream o = x.getResponseBody()) {
                    for (long left = n; left > 0; left -= chunk.length) {
                        o.write(chunk, 0, (int) Math.min(left, chunk.length));
                    }
                }
                return;
            }
            x.sendResponseHeaders(200, small.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(small);
            }
        });
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        System.out.println("backend on " + s.getAddress());
    }
}
