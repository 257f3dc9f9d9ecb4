import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The origin server of the egress benchmark, on Jetty (from target/waygate.jar; run with
 * `java -cp target/waygate.jar Backend.java PORT`): GET /small answers 100 bytes; GET /bytes/N
 * answers N zero bytes (bulk transfer). Jetty rather than the JDK's HttpServer: the latter
 * answers a Jetty client (the proxies' upstream side) several milliseconds late per request,
 * which would measure the origin, not the proxy.
 */
public class Backend {
    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        c.setPort(Integer.parseInt(args[0]));
        server.addConnector(c);
        byte[] small = "x".repeat(99).concat("\n").getBytes();
        ByteBuffer chunk = ByteBuffer.allocateDirect(256 * 1024);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String p = Request.getPathInContext(request);
                if (p.startsWith("/bytes/")) {
                    long n = Long.parseLong(p.substring(7));
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, n);
                    write(response, n, chunk, callback);
                    return true;
                }
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, small.length);
                response.write(true, ByteBuffer.wrap(small), callback);
                return true;
            }
        });
        server.start();
        System.out.println("backend on " + c.getHost() + ":" + c.getLocalPort());
        server.join();
    }

    private static void write(Response response, long left, ByteBuffer chunk, Callback done) {
        int n = (int) Math.min(left, chunk.capacity());
        ByteBuffer b = chunk.duplicate().limit(n);
        boolean last = left - n == 0;
        response.write(last, b, last ? done : Callback.from(() -> write(response, left - n, chunk, done), done::failed));
    }
}
