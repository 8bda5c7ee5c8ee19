"In a real Jupyter kernel a slider figure is a live ipywidgets panel; without one it is the static player."

CODE = '''
from pcm_literate.widgets import Slider, slider_figure
def plot(fig, a): fig.subplots().plot([0, 1], [0, a])
slider_figure(plot, Slider('a', [1.0, 2.0, 3.0]), figsize=(2, 2))
'''

def test_slider_figure_is_live_in_a_kernel():
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name='python3')  # the virtual environment's own kernel, with pcm_literate installed
    try:
        msg_id = kc.execute(CODE)
        outputs = []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg['parent_header'].get('msg_id') != msg_id: continue
            if msg['msg_type'] in ('display_data', 'execute_result'): outputs.append(msg['content']['data'])
            if msg['msg_type'] == 'error': raise AssertionError('\n'.join(msg['content']['traceback']))
            if msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle': break
    finally:
        kc.stop_channels(); km.shutdown_kernel(now=True)
    assert len(outputs) == 1
    assert 'application/vnd.jupyter.widget-view+json' in outputs[0]  # live ipywidgets panel
    assert 'text/html' not in outputs[0]  # no static frames rendered in a live session
