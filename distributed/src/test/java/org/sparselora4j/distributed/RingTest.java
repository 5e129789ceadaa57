package org.sparselora4j.distributed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The ring all-reduce over loopback sockets, one thread per replica, against the plain sum. */
class RingTest {
    /** Opens {@code count} listening sockets on free loopback ports. */
    private static List<ServerSocket> servers(int count) throws IOException {
        List<ServerSocket> servers = new ArrayList<>();
        for (int i = 0; i < count; i++) servers.add(new ServerSocket(0, 8, InetAddress.getLoopbackAddress()));
        return servers;
    }

    private static List<InetSocketAddress> addresses(List<ServerSocket> servers) {
        return servers.stream().map(s -> new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort())).toList();
    }

    @ParameterizedTest
    @CsvSource({"2,1", "2,7", "3,2", "3,1000", "4,3", "4,100003", "5,17"})
    void everyReplicaEndsWithTheSum(int count, int length) throws Exception {
        List<ServerSocket> servers = servers(count);
        List<InetSocketAddress> addresses = addresses(servers);
        float[][] inputs = new float[count][length];
        SplittableRandom random = new SplittableRandom(count * 31L + length);
        double[] expected = new double[length];
        for (int r = 0; r < count; r++) {
            for (int i = 0; i < length; i++) {
                inputs[r][i] = (float) random.nextDouble(-1, 1);
                expected[i] += inputs[r][i];
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int r = 0; r < count; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (Ring ring = Ring.join(servers.get(rank), rank, addresses, 7L, 10_000, 10_000)) {
                        float[] buffer = inputs[rank].clone();
                        ring.sum(buffer, length);
                        ring.sum(new float[length], length);  // a second round on the same ring
                        assertThat(ring.bytesSent()).isGreaterThan(0);
                        return buffer;
                    }
                }));
            }
            float[] first = results.get(0).get(60, TimeUnit.SECONDS);
            for (int i = 0; i < length; i++) assertThat((double) first[i]).isCloseTo(expected[i], within(1e-5));
            for (Future<float[]> f : results) assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(first);  // identical bits
        } finally {
            pool.shutdownNow();
            for (ServerSocket s : servers) s.close();
        }
    }

    @Test
    void aRingOfOneLeavesTheBufferAlone() {
        float[] b = {1, 2, 3};
        try (Ring ring = Ring.single()) {
            ring.sum(b, 3);
        }
        assertThat(b).containsExactly(1, 2, 3);
    }

    @Test
    void aPeerThatNeverJoinsTimesOutWithOneLine() throws Exception {
        List<ServerSocket> servers = servers(2);
        try {
            assertThatThrownBy(() -> Ring.join(servers.get(0), 0, addresses(servers), 1L, 500, 500))
                    .isInstanceOf(RingException.class)
                    .hasMessageContaining("could not join the ring")
                    .hasMessageNotContaining("\n");
        } finally {
            for (ServerSocket s : servers) s.close();
        }
    }

    @Test
    void aPeerThatStopsSendingTimesOut() throws Exception {
        List<ServerSocket> servers = servers(2);
        List<InetSocketAddress> addresses = addresses(servers);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Ring> quiet = pool.submit(() -> Ring.join(servers.get(1), 1, addresses, 3L, 10_000, 10_000));
            try (Ring ring = Ring.join(servers.get(0), 0, addresses, 3L, 10_000, 300)) {
                Ring other = quiet.get(30, TimeUnit.SECONDS);
                try {
                    assertThatThrownBy(() -> ring.sum(new float[1000], 1000))
                            .isInstanceOf(RingException.class)
                            .hasMessageContaining("within 300 ms");
                } finally {
                    other.close();
                }
            }
        } finally {
            pool.shutdownNow();
            for (ServerSocket s : servers) s.close();
        }
    }
}
