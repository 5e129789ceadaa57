package org.sparselora4j.opencl;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Device selection, backend choice and error names; most of it needs no OpenCL. */
class SelectionTest {
    @Test
    void selectorsParse() {
        assertThat(DeviceSelector.parse("auto")).isEqualTo(DeviceSelector.preferred());
        assertThat(DeviceSelector.parse(" GPU ")).isEqualTo(DeviceSelector.type(DeviceType.GPU));
        assertThat(DeviceSelector.parse("cpu")).isEqualTo(DeviceSelector.type(DeviceType.CPU));
        assertThat(DeviceSelector.parse("2")).isEqualTo(DeviceSelector.index(2));
        assertThatThrownBy(() -> DeviceSelector.parse("fast")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"fast\"");
        assertThat(DeviceSelector.fromEnvironment(Map.of())).isEqualTo(DeviceSelector.preferred());
        assertThat(DeviceSelector.fromEnvironment(Map.of(DeviceSelector.ENV, "1"))).isEqualTo(DeviceSelector.index(1));
        assertThat(DeviceSelector.preferred().explicit()).isFalse();
        assertThat(DeviceSelector.index(0).explicit()).isTrue();
    }

    @Test
    void backendKindsParse() {
        assertThat(BackendKind.parse("OpenCL")).isEqualTo(BackendKind.OPENCL);
        assertThat(BackendKind.parse("auto")).isEqualTo(BackendKind.AUTO);
        assertThatThrownBy(() -> BackendKind.parse("cuda")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void statusCodesHaveTheirClNames() {
        assertThat(ClStatus.name(0)).isEqualTo("CL_SUCCESS");
        assertThat(ClStatus.name(-4)).isEqualTo("CL_MEM_OBJECT_ALLOCATION_FAILURE");
        assertThat(ClStatus.name(-5)).isEqualTo("CL_OUT_OF_RESOURCES");
        assertThat(ClStatus.name(-11)).isEqualTo("CL_BUILD_PROGRAM_FAILURE");
        assertThat(ClStatus.name(-30)).isEqualTo("CL_INVALID_VALUE");
        assertThat(ClStatus.name(-54)).isEqualTo("CL_INVALID_WORK_GROUP_SIZE");
        assertThat(ClStatus.name(-72)).isEqualTo("CL_MAX_SIZE_RESTRICTION_EXCEEDED");
        assertThat(ClStatus.name(-1001)).isEqualTo("CL_PLATFORM_NOT_FOUND_KHR");
        assertThat(ClStatus.name(-9999)).isEqualTo("CL_UNKNOWN_ERROR");
        assertThat(new OpenClException("clFinish", -5, "").getMessage()).isEqualTo("clFinish: CL_OUT_OF_RESOURCES (-5)");
    }

    @Test
    void missingLibraryIsAOneLineUnavailableError() {
        assertThatThrownBy(() -> ClApi.load("libNoSuchOpenCl.so.9"))
                .isInstanceOf(OpenClUnavailableException.class)
                .hasMessageStartingWith("no OpenCL library found (tried libNoSuchOpenCl.so.9)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void versionStringsParse() {
        assertThat(Device.majorVersion("OpenCL 3.0 CUDA 12.4")).isEqualTo(3);
        assertThat(Device.majorVersion("OpenCL 1.2 pocl")).isEqualTo(1);
        assertThat(Device.majorVersion("garbage")).isEqualTo(1);
    }

    @Test
    void cpuKindIsTheVectorApi() {
        try (Backend backend = Backends.choose(BackendKind.CPU, DeviceSelector.preferred(), message -> {
            throw new AssertionError("no notice expected: " + message);
        })) {
            assertThat(backend.name()).isEqualTo("cpu");
        }
    }

    @Test
    void autoFallsBackWithOneNoticeOrUsesAnAcceleratorDevice() {
        List<String> notices = new ArrayList<>();
        try (Backend backend = Backends.choose(BackendKind.AUTO, DeviceSelector.preferred(), notices::add)) {
            if (backend.name().equals("cpu")) {
                assertThat(notices).hasSize(1);
                assertThat(notices.getFirst()).contains("Vector API").doesNotContain("\n");
            } else {
                assertThat(notices).isEmpty();
                assertThat(backend.name()).startsWith("opencl:");
            }
        }
    }

    @Test
    void devicesAreListedWithTheirProperties() {
        OpenCl cl = OpenClFixture.openClOrSkip();
        assertThat(cl.devices()).isNotEmpty();
        for (int i = 0; i < cl.devices().size(); i++) {
            Device d = cl.devices().get(i);
            System.out.println("OpenCL device " + d);
            assertThat(d.index()).isEqualTo(i);
            assertThat(d.name()).isNotBlank();
            assertThat(d.globalMemBytes()).isPositive();
            assertThat(d.computeUnits()).isPositive();
            assertThat(d.maxWorkGroupSize()).isPositive();
        }
        assertThat(cl.select(DeviceSelector.index(0))).isSameAs(cl.devices().getFirst());
        assertThatThrownBy(() -> cl.select(DeviceSelector.index(cl.devices().size())))
                .isInstanceOf(OpenClUnavailableException.class).hasMessageContaining("no OpenCL device #");
    }

    @Test
    void explicitOpenClOnTheSelectedDeviceWorks() {
        OpenClFixture.openClOrSkip();
        try (Backend backend = Backends.choose(BackendKind.OPENCL, DeviceSelector.index(0), message -> { })) {
            assertThat(backend.name()).startsWith("opencl:");
        }
    }
}
